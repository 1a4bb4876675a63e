"""LoRA Lab engine: every piece of logic the app uses, with no Streamlit.

One module per concept (see STYLE.md): schema, loader, grading, safe_eval,
lora_math, quant, memory, finetune, jobs, progress. Heavy libraries (torch,
transformers, peft, bitsandbytes) are imported inside the functions that need
them, so loading lessons and quizzes stays light.
"""

from pathlib import Path

# The project root: lessons/, quizzes/ and models/ live here.
ROOT = Path(__file__).resolve().parent.parent

// A local OpenID Connect provider for the sign-in tests, as an institution's would be:
//   node tests/oidc/provider.mjs PORT REDIRECT_URI
// panva's oidc-provider (installed by tests/run.sh into tests/oidc/node_modules) with its
// development login and consent pages: any login name and password sign in, and the name is the
// account's `sub`. One confidential client, `lora-lab`, whose secret the test writes into the
// app's [auth] secrets. Loopback only; prints "ready" once it listens.
import Provider from 'oidc-provider';

const [port, redirectUri] = process.argv.slice(2);
if (!port || !redirectUri) {
  console.error('usage: node provider.mjs PORT REDIRECT_URI');
  process.exit(2);
}

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: 'lora-lab',
    client_secret: 'lora-lab-test-secret',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
  // Every login name is an account: "ana" signs in as sub "ana", named "Ana Test".
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        const name = id.charAt(0).toUpperCase() + id.slice(1);
        return { sub: id, name: `${name} Test`, email: `${id}@example.org`, email_verified: true };
      },
    };
  },
  features: { devInteractions: { enabled: true } },
  // Put the profile and email claims in the ID token, where Streamlit reads them (st.user), as
  // common institutional providers do; oidc-provider's default serves them from userinfo only.
  conformIdTokenClaims: false,
  pkce: { required: () => false },
  cookies: { keys: ['lora-lab-test-cookie-key'] },
});
provider.proxy = false;
provider.listen(Number(port), '127.0.0.1', () => console.log('ready'));

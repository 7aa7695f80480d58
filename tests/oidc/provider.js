// A real OpenID Connect provider for the sign-in tests: panva's oidc-provider with its own
// development login form (any password; the login name is the account), one confidential
// client, and a `roles` claim from the login name (admin* → ngo-admins, analyst* →
// ngo-analysts, nobody* → none, else staff). Usage: node provider.js PORT REDIRECT_URI
import Provider from 'oidc-provider';

const [port, redirectUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

function rolesOf(id) {
  if (id.startsWith('admin')) return ['ngo-admins'];
  if (id.startsWith('analyst')) return ['ngo-analysts'];
  if (id.startsWith('nobody')) return [];
  return ['staff'];
}

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'unesco-ngo',
    client_secret: 'test-client-secret-not-for-production',
    redirect_uris: [redirectUri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
  }],
  claims: { openid: ['sub'], profile: ['preferred_username', 'roles'], email: ['email'] },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, preferred_username: id, email: `${id}@example.org`, roles: rolesOf(id) };
      },
    };
  },
  cookies: { keys: ['test-cookie-key-not-for-production'] },
  features: { devInteractions: { enabled: true } },
});
provider.proxy = false;
provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});

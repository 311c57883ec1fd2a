import type { Auth, AuthResult, AuthzDecision, Credentials, Identity } from '../../kernel/messaging/auth.js';

const ALLOW: AuthzDecision = Object.freeze({ status: 'allow' });

/** Who the credentials claim to be; nothing is verified. */
function identityOf(credentials: Credentials): Identity {
  const remote = credentials.remoteAddress === undefined ? {} : { remoteAddress: credentials.remoteAddress };
  switch (credentials.kind) {
    case 'password':
      return { kind: 'user', user: credentials.user, ...remote };
    case 'signature':
      return { kind: 'user', user: credentials.accessKey, ...remote };
    case 'token':
    case 'none':
      return { kind: 'anonymous', ...remote };
  }
}

/** Authenticate everyone (as the user they name, else anonymous) and allow every action. */
export function createAllowAllAuth(): Auth {
  return {
    authenticate: async (credentials): Promise<AuthResult> => ({ status: 'ok', identity: identityOf(credentials) }),
    authorize: async (): Promise<AuthzDecision> => ALLOW,
    decided: (): AuthzDecision => ALLOW,
  };
}

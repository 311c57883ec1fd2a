/** Who is calling, as established by a door's authentication. */
export type Identity =
  | { readonly kind: 'anonymous'; readonly remoteAddress?: string }
  | { readonly kind: 'user'; readonly user: string; readonly remoteAddress?: string }
  | { readonly kind: 'internal'; readonly component: string };

/** What a door extracted from a request; the auth plugin decides what it means. */
export type Credentials =
  | { readonly kind: 'none'; readonly remoteAddress?: string }
  | { readonly kind: 'password'; readonly user: string; readonly password: string; readonly remoteAddress?: string }
  | { readonly kind: 'token'; readonly token: string; readonly remoteAddress?: string }
  | {
      readonly kind: 'signature';
      readonly accessKey: string;
      readonly signature: string;
      /** The exact bytes or fields the signature covers, as the door's protocol defines. */
      readonly signedContent: Uint8Array;
      readonly remoteAddress?: string;
    };

export type Action = 'produce' | 'consume' | 'admin:read' | 'admin:write';

export type Resource =
  | { readonly kind: 'topic'; readonly name: string }
  | { readonly kind: 'group'; readonly name: string }
  | { readonly kind: 'cluster' };

export type AuthResult =
  | { readonly status: 'ok'; readonly identity: Identity }
  | { readonly status: 'denied'; readonly reason: string };

export type AuthzDecision = { readonly status: 'allow' } | { readonly status: 'deny'; readonly reason: string };

export interface Auth {
  authenticate(credentials: Credentials): Promise<AuthResult>;
  authorize(identity: Identity, action: Action, resource: Resource): Promise<AuthzDecision>;
  /**
   * Optional: the decision when it is known without waiting (allow-all, a cached ACL entry), else
   * undefined and the caller asks authorize(). Must agree with authorize(). Per-message paths (produce,
   * read) use it so a decided request takes no asynchronous step.
   */
  decided?(identity: Identity, action: Action, resource: Resource): AuthzDecision | undefined;
}

export const INTERNAL_IDENTITY: Identity = Object.freeze({ kind: 'internal', component: 'kernel' });

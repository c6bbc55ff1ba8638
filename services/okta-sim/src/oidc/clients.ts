import { z } from 'zod';

/** One OpenID Connect client of the sandbox's authorization server (the support console, typically). */
export interface OidcClient {
  clientId: string;
  clientSecret: string;
  /** Exact matches only, as Okta compares them. */
  redirectUris: string[];
  postLogoutRedirectUris: string[];
}

const redirectUri = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hash === '';
  } catch {
    return false;
  }
}, 'must be an absolute http(s) URL without a fragment');

/** OKTA_SIM_OIDC_CLIENTS: [{"client_id","client_secret","redirect_uris":[…],"post_logout_redirect_uris":[…]}] */
export const OidcClientsSchema = z
  .array(
    z.object({
      client_id: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits, ".", "_", "-"'),
      client_secret: z.string().min(16, 'must be at least 16 characters'),
      redirect_uris: z.array(redirectUri).min(1),
      post_logout_redirect_uris: z.array(redirectUri).default([]),
    }),
  )
  .transform((clients) =>
    clients.map(
      (c): OidcClient => ({
        clientId: c.client_id,
        clientSecret: c.client_secret,
        redirectUris: c.redirect_uris,
        postLogoutRedirectUris: c.post_logout_redirect_uris,
      }),
    ),
  );

import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { AuthorizationServer, OAuthClient } from './authorization-server.ts';

/** RFC 9068's media type for JWT access tokens: a token of ours can never pass for an ID token or an assertion. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
  scope: string;
}

/**
 * A JWT access token (RFC 9068 claims, plus Okta's `cid` and `scp` so one verifier reads both kinds), signed with the
 * first key of OAUTH_SIGNING_KEY. Nothing about the person or the org is in it: only who may call the hook.
 */
export async function issueAccessToken(
  server: AuthorizationServer,
  client: OAuthClient,
  scopes: readonly string[],
  nowMs: number = Date.now(),
): Promise<IssuedToken> {
  const { signer } = server.signingKeys;
  const iat = Math.floor(nowMs / 1000);
  const accessToken = await new SignJWT({
    client_id: client.clientId,
    cid: client.clientId,
    scp: [...scopes],
    scope: scopes.join(' '),
  })
    .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: ACCESS_TOKEN_TYP })
    .setIssuer(server.issuer)
    .setAudience(server.audience)
    .setSubject(client.clientId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + server.tokenTtlSeconds)
    .setJti(randomUUID())
    .sign(signer.privateKey);
  return { accessToken, expiresIn: server.tokenTtlSeconds, scope: scopes.join(' ') };
}

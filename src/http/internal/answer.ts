/**
 * The headers a fault's answer carries beside its body (`Retry-After`, `WWW-Authenticate`), by one
 * set of rules for the middleware's responses and HttpApi's declared errors.
 *
 * @internal
 */
import * as wire from "./wire.ts"

const wwwAuthenticate = (fields: Readonly<Record<string, unknown>> | undefined): string => {
  // header values come from fault fields: keep the scheme to token characters, the realm to printable ASCII
  const scheme = wire.stringOr(fields?.scheme)?.replace(/[^A-Za-z0-9!#$%&'*+.^_`|~-]/g, "") || "Bearer"
  const realm = wire.stringOr(fields?.realm)
  // the realm is a quoted-string: keep it to safe characters
  return realm === undefined ? scheme : `${scheme} realm="${realm.replace(/[^\x20-\x7e]|["\\]/g, "")}"`
}

/**
 * Adds the headers an answer implies to `headers` (in place): `Retry-After` when it says when to
 * retry, `WWW-Authenticate` on a 401 (from the `scheme` and `realm` among the public fields).
 *
 * @internal
 */
export const putHeaders = (
  retryAfterMs: number | undefined,
  fields: Readonly<Record<string, unknown>> | undefined,
  status: number,
  headers: Record<string, string>
): void => {
  if (retryAfterMs !== undefined) headers["retry-after"] = wire.retryAfterHeader(retryAfterMs)
  if (status === 401) headers["www-authenticate"] = wwwAuthenticate(fields)
}

/**
 * The headers a fault's answer carries beside its body (`Retry-After`, `WWW-Authenticate`), shared by
 * the middleware, which writes its own responses, and the HttpApi encoder, which cannot: HttpApi
 * writes the response from the encoded body alone, so the encoder leaves the headers for the
 * middleware, keyed by the request being answered.
 *
 * @internal
 */
import type * as Exposure from "../../Exposure.ts"
import * as wire from "./wire.ts"

const wwwAuthenticate = (view: Exposure.PublicView): string => {
  // header values come from fault fields: keep the scheme to token characters, the realm to printable ASCII
  const scheme = wire.stringOr(view.fields?.scheme)?.replace(/[^A-Za-z0-9!#$%&'*+.^_`|~-]/g, "") || "Bearer"
  const realm = wire.stringOr(view.fields?.realm)
  // the realm is a quoted-string: keep it to safe characters
  return realm === undefined ? scheme : `${scheme} realm="${realm.replace(/[^\x20-\x7e]|["\\]/g, "")}"`
}

/**
 * Adds the headers a view implies to `headers` (in place): `Retry-After` when it says when to retry,
 * `WWW-Authenticate` on a 401. Returns whether it added any.
 *
 * @internal
 */
export const putHeaders = (view: Exposure.PublicView, status: number, headers: Record<string, string>): boolean => {
  let added = false
  if (view.retryAfterMs !== undefined) {
    headers["retry-after"] = wire.retryAfterHeader(view.retryAfterMs)
    added = true
  }
  if (status === 401) {
    headers["www-authenticate"] = wwwAuthenticate(view)
    added = true
  }
  return added
}

// request → headers its failure answer still needs; weak, so an answer never written (the client
// went away) leaves nothing behind. Keyed by the platform's own request (`source`), which a request
// rewritten on the way in (`HttpServerRequest.modify`: a mounted prefix, replaced headers) keeps.
const deferred = new WeakMap<object, Record<string, string>>()
const keyOf = (request: { readonly source: unknown }): object =>
  typeof request.source === "object" && request.source !== null ? request.source : request

/**
 * Leaves the headers of an answer rendered elsewhere (the HttpApi encoder) for the middleware.
 *
 * @internal
 */
export const defer = (
  request: { readonly source: unknown },
  view: Exposure.PublicView,
  status: number
): void => {
  const headers: Record<string, string> = {}
  if (putHeaders(view, status, headers)) deferred.set(keyOf(request), headers)
}

/**
 * The headers left for this request's answer, once.
 *
 * @internal
 */
export const take = (request: { readonly source: unknown }): Record<string, string> | undefined => {
  const key = keyOf(request)
  const headers = deferred.get(key)
  if (headers !== undefined) deferred.delete(key)
  return headers
}

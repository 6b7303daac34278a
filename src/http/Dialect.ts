/**
 * How a fault looks in an HTTP body. A dialect encodes a fault's public view into a response (server
 * side) and recognises and decodes the other party's error responses (client side). Several ship
 * (RFC 9457 problem+json, the OAS guide's `{code,message}`, EC2 XML, and decode-only readers for AWS
 * JSON, Google-style errors and proxy HTML); a user's own dialect implements this interface.
 *
 * @since 0.1.0
 */
import type * as Exposure from "../Exposure.ts"
import type * as Trust from "../Trust.ts"

/**
 * A response as a dialect writes it. Headers are lower-case; the middleware adds correlation,
 * exec-time, Retry-After and WWW-Authenticate on top.
 *
 * @example
 * ```ts
 * import type { Dialect } from "effect-faults/http"
 *
 * const encoded: Dialect.Encoded = { status: 404, contentType: "application/json", body: "{\"code\":404}" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Encoded {
  readonly status: number
  readonly contentType: string
  readonly body: string
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/**
 * An error response as the client read it: status, lower-case headers, and the body text read up to
 * the client's limit (`truncated` when the limit cut it).
 *
 * @example
 * ```ts
 * import type { Dialect } from "effect-faults/http"
 *
 * const incoming: Dialect.Incoming = { status: 503, headers: { "retry-after": "2" }, body: "busy", truncated: false }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Incoming {
  readonly status: number
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly body: string
  readonly truncated: boolean
}

/**
 * A wire format for failures.
 *
 * @example
 * ```ts
 * import type { Dialect } from "effect-faults/http"
 *
 * // a user's own dialect: `{ "error": "<code>" }`
 * const mine: Dialect.Dialect = {
 *   name: "mine",
 *   contentType: "application/vnd.mine+json",
 *   accepts: (media) => media === "application/vnd.mine+json",
 *   encode: (view) => ({ status: view.status, contentType: "application/vnd.mine+json", body: JSON.stringify({ error: view.code }) }),
 *   decode: (incoming) => {
 *     try {
 *       const code = JSON.parse(incoming.body)?.error
 *       return typeof code === "string" ? { code, status: incoming.status } : undefined
 *     } catch {
 *       return undefined
 *     }
 *   }
 * }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Dialect {
  /** Also the key of per-fault overrides (`Fault.define(..., { dialects: { [name]: … } })`). */
  readonly name: string
  /** The media type it writes. */
  readonly contentType: string
  /** Whether an `Accept` media range selects this dialect. */
  readonly accepts: (mediaType: string) => boolean
  /** Server side: the response for a public view. Absent for decode-only dialects. */
  readonly encode?: ((view: Exposure.PublicView) => Encoded) | undefined
  /**
   * Client side: what the other party said, or `undefined` when the response is not in this dialect.
   * Never throws, whatever the input.
   */
  readonly decode: (incoming: Incoming) => Trust.Received | undefined
}

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

/**
 * Failures inside a success envelope. Some protocols answer `200 OK` and report the failure in the
 * body: OpenADR's `oadrResponse` (or any `eiResponse`) with a `responseCode` other than 2xx, an
 * S3-style `<Error>` sent with 200 (CopyObject, CompleteMultipartUpload), a JSON
 * `{ "status": "REQUEST_DENIED" }` (Google-style web APIs). An envelope decoder recognises its
 * protocol's failure and reads it into a `Trust.Received`; `Trust.toFault` makes it a typed remote
 * fault, so a "successful" response that says it failed never reaches the caller as a success.
 *
 * An envelope has the shape of the decode half of an HTTP `Dialect`: a dialect that reads error
 * responses can be used as an envelope, and {@link Answer} writes what {@link openAdr} reads.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { HttpClientResponse } from "effect/http"
import * as Catalog from "../Catalog.ts"
import * as Fault from "../Fault.ts"
import type * as Dialect from "../http/Dialect.ts"
import * as xml from "../internal/xml.ts"
import * as Report from "../Report.ts"
import * as Trust from "../Trust.ts"

/**
 * A decoder of one protocol's failure-in-success responses. `decode` answers `undefined` when the
 * body is not this protocol's failure (a success, or another format), and never throws.
 *
 * @example
 * ```ts
 * import { Envelope } from "effect-faults/secure"
 *
 * const legacy: Envelope.Envelope = {
 *   name: "legacy",
 *   decode: (incoming) => incoming.body.startsWith("ERR ") ? { code: incoming.body.slice(4).trim() } : undefined
 * }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Envelope {
  /** Names the protocol on `RemoteFault.protocol`. */
  readonly name: string
  readonly decode: (incoming: Dialect.Incoming) => Trust.Received | undefined
}

const statusOf = (code: string): number | undefined => {
  const n = Number(code)
  return Number.isInteger(n) && n >= 400 && n <= 599 ? n : undefined
}

/**
 * OpenADR 2.0: any payload carrying an `eiResponse` whose `responseCode` is not 2xx (an
 * `oadrResponse`, `oadrCreatedEvent`, `oadrRegisteredReport`…). The code is OpenADR's (`452`
 * "invalid id", `463` "not allowed"…; the HTTP-like ones become the remote status), the
 * description the message, `requestID` the correlation id.
 *
 * @example
 * ```ts
 * import { Envelope } from "effect-faults/secure"
 *
 * const body = "<oadrResponse><eiResponse><responseCode>452</responseCode><responseDescription>Invalid ID</responseDescription><requestID>r-1</requestID></eiResponse></oadrResponse>"
 * console.log(Envelope.openAdr.decode({ status: 200, headers: {}, body, truncated: false })?.code) // "452"
 * ```
 *
 * @category envelopes
 * @since 0.1.0
 */
export const openAdr: Envelope = {
  name: "openadr",
  decode: (incoming) => {
    const body = incoming.body
    if (body.indexOf("responseCode") === -1) return undefined
    const code = xml.text(body, "responseCode", { anyPrefix: true })
    if (code === undefined || /^2\d\d$/.test(code)) return undefined
    const description = xml.text(body, "responseDescription", { anyPrefix: true })
    const requestId = xml.text(body, "requestID", { anyPrefix: true })
    return {
      code,
      message: description === undefined || description === "" ? undefined : description,
      status: statusOf(code),
      correlationId: requestId === undefined || requestId === "" ? undefined : requestId
    }
  }
}

// The HTTP status S3 documents for the codes it also sends inside a 200.
const s3Statuses: Record<string, number> = {
  AccessDenied: 403,
  InternalError: 500,
  SlowDown: 503,
  ServiceUnavailable: 503,
  NoSuchKey: 404,
  NoSuchBucket: 404,
  NoSuchUpload: 404,
  InvalidPart: 400,
  InvalidPartOrder: 400,
  EntityTooSmall: 400,
  RequestTimeout: 400
}

// Nothing, or one XML declaration: checked by hand, since a regular expression over this untrusted
// prefix (`<?xml[^>]*?>`) backtracks quadratically on a success body full of `<?xml`.
const onlyDeclaration = (prolog: string): boolean =>
  prolog === "" ||
  (prolog.startsWith("<?xml") && prolog.endsWith("?>") && prolog.indexOf(">") === prolog.length - 1)

/**
 * An S3-style `<Error><Code>…</Code><Message>…</Message><RequestId>…</RequestId></Error>` document,
 * whatever the status it came with (S3 sends it with 200 for CopyObject and
 * CompleteMultipartUpload). `RequestId` becomes the correlation id; `SlowDown` and
 * `InternalError` keep the status S3 documents for them, so retry policies see them as such.
 *
 * @example
 * ```ts
 * import { Envelope } from "effect-faults/secure"
 *
 * const body = "<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>"
 * console.log(Envelope.s3Error.decode({ status: 200, headers: {}, body, truncated: false })?.status) // 503
 * ```
 *
 * @category envelopes
 * @since 0.1.0
 */
export const s3Error: Envelope = {
  name: "s3",
  decode: (incoming) => {
    const body = incoming.body
    const at = body.search(/<Error[\s>]/)
    // the root element must be <Error>: an <Error> nested in a success document is not a failure
    if (at === -1 || !onlyDeclaration(body.slice(0, at).trim())) return undefined
    const code = xml.text(body, "Code", { anyPrefix: true })
    if (code === undefined || code === "") return undefined
    const message = xml.text(body, "Message", { anyPrefix: true })
    const requestId = xml.text(body, "RequestId", { anyPrefix: true })
    return {
      code,
      message: message === "" ? undefined : message,
      status: Object.hasOwn(s3Statuses, code) ? s3Statuses[code] : undefined,
      correlationId: requestId === "" ? undefined : requestId
    }
  }
}

/**
 * How {@link jsonStatus} reads a JSON body's status member.
 *
 * @example
 * ```ts
 * import { Envelope } from "effect-faults/secure"
 *
 * const options: Envelope.JsonStatusOptions = { field: "status", ok: ["OK", "ZERO_RESULTS"], messageField: "error_message" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface JsonStatusOptions {
  readonly name?: string | undefined
  /** The member holding the status; `status` by default. */
  readonly field?: string | undefined
  /** The values that mean success; `OK` and `ZERO_RESULTS` by default. */
  readonly ok?: ReadonlyArray<string> | undefined
  /** The member holding the message; `error_message` by default. */
  readonly messageField?: string | undefined
  /** HTTP-like statuses per status value (`REQUEST_DENIED` → 403…), used for the expected action. */
  readonly statuses?: Readonly<Record<string, number>> | undefined
}

const googleStatuses: Record<string, number> = {
  INVALID_REQUEST: 400,
  REQUEST_DENIED: 403,
  NOT_FOUND: 404,
  OVER_QUERY_LIMIT: 429,
  OVER_DAILY_LIMIT: 429,
  MAX_ROUTE_LENGTH_EXCEEDED: 400,
  MAX_WAYPOINTS_EXCEEDED: 400,
  UNKNOWN_ERROR: 500
}

/**
 * A JSON object whose status member says it failed: `{ "status": "REQUEST_DENIED", "error_message":
 * "…" }` (the Google Maps web services, and many APIs shaped like them).
 *
 * @example
 * ```ts
 * import { Envelope } from "effect-faults/secure"
 *
 * const maps = Envelope.jsonStatus()
 * const body = JSON.stringify({ status: "REQUEST_DENIED", error_message: "The provided API key is invalid." })
 * console.log(maps.decode({ status: 200, headers: {}, body, truncated: false })?.status) // 403
 * ```
 *
 * @category envelopes
 * @since 0.1.0
 */
export const jsonStatus = (options?: JsonStatusOptions): Envelope => {
  const field = options?.field ?? "status"
  const ok = new Set(options?.ok ?? ["OK", "ZERO_RESULTS"])
  const messageField = options?.messageField ?? "error_message"
  const statuses = options?.statuses ?? googleStatuses
  return {
    name: options?.name ?? "json-status",
    decode: (incoming) => {
      const body = incoming.body
      if (body.indexOf(field) === -1) return undefined
      let value: unknown
      try {
        value = JSON.parse(body)
      } catch {
        return undefined
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined
      const status = (value as Record<string, unknown>)[field]
      if (typeof status !== "string" || status === "" || ok.has(status)) return undefined
      const message = (value as Record<string, unknown>)[messageField]
      return {
        code: status,
        message: typeof message === "string" && message !== "" ? message : undefined,
        status: Object.hasOwn(statuses, status) ? statuses[status] : undefined
      }
    }
  }
}

/**
 * The three envelopes that ship: OpenADR, S3 `<Error>`, JSON `status`.
 *
 * @example
 * ```ts
 * import { Envelope } from "effect-faults/secure"
 *
 * console.log(Envelope.all.map((e) => e.name)) // ["openadr", "s3", "json-status"]
 * ```
 *
 * @category envelopes
 * @since 0.1.0
 */
export const all: ReadonlyArray<Envelope> = [openAdr, s3Error, jsonStatus()]

/**
 * The first envelope that recognises a failure in the response, with what it read.
 *
 * @example
 * ```ts
 * import { Envelope } from "effect-faults/secure"
 *
 * const found = Envelope.detect(Envelope.all, { status: 200, headers: {}, body: "{\"status\":\"OK\"}", truncated: false })
 * console.log(found) // undefined
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const detect = (
  envelopes: ReadonlyArray<Envelope>,
  incoming: Dialect.Incoming
): { readonly envelope: Envelope; readonly received: Trust.Received } | undefined => {
  for (const envelope of envelopes) {
    let received: Trust.Received | undefined
    try {
      received = envelope.decode(incoming)
    } catch {
      received = undefined // a user's decoder that throws recognises nothing
    }
    if (received !== undefined) return { envelope, received }
  }
  return undefined
}

/**
 * The fault a response reports in its envelope, or `undefined` when it reports none. Distrust by
 * default: a `RemoteFault` with the protocol's code; in trust mode a code the catalog knows comes
 * back as its typed fault.
 *
 * @example
 * ```ts
 * import { Catalog } from "effect-faults"
 * import { Envelope } from "effect-faults/secure"
 *
 * const body = "<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>"
 * const fault = Envelope.toFault(Envelope.all, { status: 200, headers: {}, body, truncated: false })
 * console.log(fault?._tag, fault?.expected) // "RemoteFault" "RetryLater"
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const toFault = (
  envelopes: ReadonlyArray<Envelope>,
  incoming: Dialect.Incoming,
  options?: { readonly mode?: Trust.Mode | undefined; readonly catalog?: Catalog.Catalog | undefined }
): Fault.Fault | undefined => {
  const found = detect(envelopes, incoming)
  if (found === undefined) return undefined
  return Trust.toFault(found.received, {
    mode: options?.mode ?? "distrust",
    catalog: options?.catalog ?? Catalog.builtin,
    protocol: found.envelope.name
  })
}

/**
 * Reads a response's body (text) and fails with the fault its envelope reports, reporting it through
 * the `received` hook; otherwise succeeds with the body. Trust mode and catalog come from
 * `Trust.CurrentMode` and `Catalog.Current`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { HttpClient } from "effect/http"
 * import { Envelope } from "effect-faults/secure"
 *
 * const poll = HttpClient.get("https://vtn.example/OpenADR2/Simple/2.0b/OadrPoll").pipe(
 *   Effect.flatMap(Envelope.read([Envelope.openAdr]))
 * )
 * ```
 *
 * @category http
 * @since 0.1.0
 */
export const read = (envelopes: ReadonlyArray<Envelope>) =>
<E>(
  response: HttpClientResponse.HttpClientResponse & { readonly text: Effect.Effect<string, E> }
): Effect.Effect<string, E | Fault.Fault> =>
  Effect.gen(function*() {
    const body = yield* response.text
    const mode = yield* Trust.CurrentMode
    const catalog = yield* Catalog.Current
    const fault = toFault(envelopes, { status: response.status, headers: response.headers, body, truncated: false }, {
      mode,
      catalog
    })
    if (fault === undefined) return body
    yield* Report.received(fault, { source: "envelope", detail: { protocol: fault.code } })
    return yield* Effect.fail(fault)
  })

/**
 * Answering in the protocol's own terms. When an incoming message fails verification or validation
 * and the protocol expects an answer, the server replies with the protocol's error response — for
 * OpenADR an `oadrResponse` carrying the response code, the description and the `requestID`
 * (correlation id), sent with HTTP 200 as OpenADR does — not a bare HTTP error the other party's
 * stack would not read.
 *
 * It is an HTTP `Dialect`: give it to the HTTP middleware (`Middleware.make({ dialects:
 * [Answer.openAdr] })`) and every fault a handler fails with is answered that way; or answer one
 * fault with {@link respond}; or guard a handler with {@link verified}, which checks the request's
 * signature first.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { HttpServerRequest, type HttpServerResponse } from "effect/http"
import * as Catalog from "../Catalog.ts"
import * as Correlation from "../Correlation.ts"
import * as Exposure from "../Exposure.ts"
import type * as Fault from "../Fault.ts"
import * as Middleware from "../http/Middleware.ts"
import * as xml from "../internal/xml.ts"
import * as Report from "../Report.ts"
import * as Envelope from "./Envelope.ts"
import * as MessageSignatures from "./MessageSignatures.ts"
import type * as Signature from "./Signature.ts"

/**
 * A dialect that writes answers: the HTTP middleware's `Middleware.Writer`.
 *
 * @example
 * ```ts
 * import { Answer } from "effect-faults/secure"
 *
 * const writer: Answer.Writer = Answer.makeOpenAdr({ venId: "ven-1" })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Writer = Middleware.Writer

/**
 * The OpenADR response code for a public view: a three-digit code the fault's `openadr` dialect
 * override gives (`dialects: { openadr: { code: "452" } }`), else its status (`401` for a request
 * whose signature is missing or invalid, `400` for a schema violation, `500` redacted).
 *
 * @example
 * ```ts
 * import { Exposure, Fault } from "effect-faults"
 * import { Answer } from "effect-faults/secure"
 *
 * console.log(Answer.responseCode(Exposure.view(new Fault.SignatureInvalid({ keyId: "ven-1" })))) // "401"
 * ```
 *
 * @category encoding
 * @since 0.1.0
 */
export const responseCode = (view: Exposure.PublicView): string =>
  /^\d{3}$/.test(view.code) ? view.code : String(view.status)

/**
 * Options of {@link makeOpenAdr}.
 *
 * @example
 * ```ts
 * import { Answer } from "effect-faults/secure"
 *
 * const options: Answer.OpenAdrOptions = { venId: "ven-1", httpStatus: 200 }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface OpenAdrOptions {
  /** The `venID` to echo, when known. */
  readonly venId?: string | undefined
  /** The HTTP status the answer goes with: 200, as OpenADR sends its responses. */
  readonly httpStatus?: number | undefined
}

/**
 * The OpenADR 2.0b answer dialect: an `oadrPayload/oadrSignedObject/oadrResponse/eiResponse` with
 * `responseCode`, `responseDescription` (`<code>: <message>` of the public view, so nothing the
 * exposure rules withhold is sent) and `requestID` (the correlation id). Decodes with
 * `Envelope.openAdr`.
 *
 * @example
 * ```ts
 * import { Answer } from "effect-faults/secure"
 *
 * const dialect = Answer.makeOpenAdr({ venId: "ven-1" })
 * ```
 *
 * @category dialects
 * @since 0.1.0
 */
export const makeOpenAdr = (options?: OpenAdrOptions): Writer => ({
  name: "openadr",
  contentType: "application/xml",
  accepts: (mediaType) => mediaType === "application/xml" || mediaType === "text/xml",
  encode: (view) => ({
    status: options?.httpStatus ?? 200,
    contentType: "application/xml",
    body: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" +
      "<oadr:oadrPayload xmlns:oadr=\"http://openadr.org/oadr-2.0b/2012/07\" " +
      "xmlns:ei=\"http://docs.oasis-open.org/ns/energyinterop/201110\" " +
      "xmlns:pyld=\"http://docs.oasis-open.org/ns/energyinterop/201110/payloads\">" +
      "<oadr:oadrSignedObject><oadr:oadrResponse ei:schemaVersion=\"2.0b\"><ei:eiResponse>" +
      `<ei:responseCode>${responseCode(view)}</ei:responseCode>` +
      `<ei:responseDescription>${xml.escape(`${view.code}: ${view.message}`)}</ei:responseDescription>` +
      `<pyld:requestID>${xml.escape(view.correlationId ?? "")}</pyld:requestID>` +
      "</ei:eiResponse>" +
      (options?.venId === undefined ? "" : `<ei:venID>${xml.escape(options.venId)}</ei:venID>`) +
      "</oadr:oadrResponse></oadr:oadrSignedObject></oadr:oadrPayload>"
  }),
  decode: (incoming) => {
    const received = Envelope.openAdr.decode(incoming)
    if (received?.message === undefined) return received
    // "<code>: <message>" as written above: split the fault code back out of the description
    const m = /^([A-Za-z][\w.]*): ([\s\S]*)$/.exec(received.message)
    return m === null ? received : { ...received, code: m[1]!, message: m[2]!, fields: { responseCode: received.code } }
  }
})

/**
 * The OpenADR answer dialect with its defaults.
 *
 * @example
 * ```ts
 * import { Http } from "effect-faults/http"
 * import { Answer } from "effect-faults/secure"
 *
 * // every failure of the VTN's routes answered as an oadrResponse
 * const mw = { dialects: [Answer.openAdr] as const, negotiate: false }
 * ```
 *
 * @category dialects
 * @since 0.1.0
 */
export const openAdr: Writer = makeOpenAdr()

/**
 * The correlation id of an OpenADR request: its `requestID`, if it carries one.
 *
 * @example
 * ```ts
 * import { Answer } from "effect-faults/secure"
 *
 * console.log(Answer.requestIdOf("<oadrRequestEvent><requestID>r-7</requestID></oadrRequestEvent>")) // "r-7"
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const requestIdOf = (body: string): string | undefined => {
  const id = xml.text(body, "requestID", { anyPrefix: true })
  return id === undefined || id === "" || id.length > 200 ? undefined : id
}

/**
 * The protocol's answer to one fault, through its public view: the `handled` report hook is told,
 * the correlation id is the one given, else the fiber's.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 * import { Answer } from "effect-faults/secure"
 *
 * const answer = Answer.respond(new Fault.SignatureMissing({ missing: [] }), { correlationId: "r-7" })
 * ```
 *
 * @category http
 * @since 0.1.0
 */
export const respond = (
  fault: Fault.Fault,
  options?: {
    readonly dialect?: Writer | undefined
    readonly correlationId?: string | undefined
    readonly catalog?: Catalog.Catalog | undefined
  }
): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.gen(function*() {
    const dialect = options?.dialect ?? openAdr
    const correlationId = options?.correlationId ?? (yield* Correlation.CorrelationId)
    const view = Exposure.view(fault, {
      dialect: dialect.name,
      // Only a catalog given here: a catalog entry has one static status, and the security faults'
      // status depends on who presented the signature (401 for a request, 502 for a response).
      catalog: options?.catalog,
      correlationId,
      config: yield* Exposure.CurrentConfig
    })
    yield* Report.handled(fault, { source: "answer", detail: { dialect: dialect.name } })
    return Middleware.toResponse(view, dialect)
  })

/**
 * Options of {@link verified}.
 *
 * @example
 * ```ts
 * import { Answer } from "effect-faults/secure"
 *
 * const options: Answer.VerifiedOptions = { required: ["@method", "@path", "content-digest"], party: "ven-1", maxAgeSeconds: 300 }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface VerifiedOptions extends Omit<MessageSignatures.VerifyOptions, "body" | "presentedBy"> {
  readonly dialect?: Writer | undefined
  /** A catalog deciding codes and messages of the answers; none by default (see {@link respond}). */
  readonly catalog?: Catalog.Catalog | undefined
}

/**
 * Guards a handler: the request's RFC 9421 signature (and `Content-Digest`) is verified against the
 * keys on record before the handler sees the body; a request that fails is answered in the
 * protocol's terms (an `oadrResponse` with the code and the request's `requestID`), and the
 * handler never runs.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { HttpRouter, HttpServerResponse } from "effect/http"
 * import { Answer } from "effect-faults/secure"
 *
 * const route = HttpRouter.add("POST", "/OpenADR2/Simple/2.0b/EiEvent", Answer.verified({ required: ["@method", "@path", "content-digest"] })(
 *   ({ body }) => Effect.succeed(HttpServerResponse.text(body))
 * ))
 * ```
 *
 * @category http
 * @since 0.1.0
 */
export const verified = (options: VerifiedOptions = {}) =>
<E, R>(
  handler: (request: {
    readonly body: string
    readonly verified: MessageSignatures.Verified
    /** The request as signatures see it: what a signed response binds to with `;req`. */
    readonly message: MessageSignatures.Message
  }) => Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
): Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  E | Fault.NotWellFormed,
  R | HttpServerRequest.HttpServerRequest | Signature.Verifier
> =>
  Effect.gen(function*() {
    const { message, body } = yield* MessageSignatures.incoming
    const correlationId = requestIdOf(body) ?? (yield* Correlation.CorrelationId)
    const result = yield* Effect.result(MessageSignatures.verify(message, { ...options, body, presentedBy: "client" }))
    if (result._tag === "Failure") {
      return yield* respond(result.failure, { dialect: options.dialect, correlationId, catalog: options.catalog })
    }
    return yield* handler({ body, verified: result.success, message })
  })

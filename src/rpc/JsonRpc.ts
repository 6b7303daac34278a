/**
 * Faults on JSON-RPC 2.0: a fault becomes an error object (`code`, `message`, `data`), and an error
 * object from any peer becomes a fault, never a defect.
 *
 * Codes: the reserved ones keep their meaning (-32700 parse error, -32600 invalid request, -32601
 * method not found, -32602 invalid params, -32603 internal error); our faults use the
 * implementation-defined server range -32000..-32099 (see {@link codes}). `data` carries our own
 * code, status, expected behaviour, retry delay, correlation id, the public fields, the field
 * violations and the copied failure ({@link Failures.Envelope} without the message), so a peer
 * running effect-faults reads back the exact fault while any other peer still gets a well-formed
 * JSON-RPC error.
 *
 * Also here: a small method definition, a server (`handler` / `layerHttp`) and an Effect client,
 * enough to show the six failures on JSON-RPC and to interoperate with other implementations.
 *
 * @since 0.1.0
 */
import { Effect, Exit, Layer, Predicate, Result, Schema } from "effect"
import { HttpBody, HttpClient, HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import * as Catalog from "../Catalog.ts"
import * as Correlation from "../Correlation.ts"
import * as Exposure from "../Exposure.ts"
import * as Fault from "../Fault.ts"
import { failureOf } from "../internal/cause.ts"
import { contentTooLargeOf } from "../internal/limit.ts"
import * as Report from "../Report.ts"
import * as Trust from "../Trust.ts"
import * as CopiedFailure from "./CopiedFailure.ts"
import * as Failures from "./Failures.ts"

// -----------------------------------------------------------------------------
// Codes
// -----------------------------------------------------------------------------

/**
 * The JSON-RPC error codes this module writes and reads.
 *
 * | code | meaning | written for |
 * |---|---|---|
 * | -32700 | parse error | a request that is not JSON |
 * | -32600 | invalid request | a request that is not a JSON-RPC request |
 * | -32601 | method not found | an unknown method |
 * | -32602 | invalid params | `SchemaViolation` (outbound), `InvalidFieldValue` |
 * | -32603 | internal error | `InternalError`, every redacted failure, `SchemaViolation` (inbound: the server's answer broke its contract) |
 * | -32000 | server error | any other fault (a user catalog's codes): `data.code` names it |
 * | -32001 | | `NotFound` |
 * | -32002 | | `Conflict` |
 * | -32003 | | `Unauthenticated` |
 * | -32004 | | `Forbidden` |
 * | -32005 | | `RateLimited` |
 * | -32006 | | `Unavailable` |
 * | -32007 | | `Timeout` |
 * | -32008 | | an upstream transport fault (`Unreachable`, `TlsRejected`, `ConnectionLost`) |
 * | -32009 | | an upstream protocol fault (`BadStatus`, `NotWellFormed`, `ContentTooLarge` inbound: an answer too large for us) |
 * | -32010 | | a security fault (`SignatureMissing`, `SignatureInvalid`, `FingerprintMismatch`, `CertificateExpired`) |
 * | -32011 | | `RemoteFault` (an upstream's failure relayed) |
 * | -32012 | | `ContentTooLarge` outbound (a request over the server's size limit; {@link layerHttp}: a body over `HttpIncomingMessage.MaxBodySize`) |
 *
 * Reading, the numeric code alone decides only for the reserved codes: a server-range code without
 * our `data.code` is a foreign one and arrives as a `RemoteFault` whose `remoteCode` is the number.
 *
 * @example
 * ```ts
 * import { JsonRpc } from "effect-faults/rpc"
 *
 * console.log(JsonRpc.codes.InvalidParams, JsonRpc.codes.byFault["NotFound"]) // -32602 -32001
 * ```
 *
 * @category codes
 * @since 0.1.0
 */
export const codes = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  ServerError: -32000,
  byFault: {
    NotFound: -32001,
    Conflict: -32002,
    Unauthenticated: -32003,
    Forbidden: -32004,
    RateLimited: -32005,
    Unavailable: -32006,
    Timeout: -32007,
    Unreachable: -32008,
    TlsRejected: -32008,
    ConnectionLost: -32008,
    BadStatus: -32009,
    NotWellFormed: -32009,
    SignatureMissing: -32010,
    SignatureInvalid: -32010,
    FingerprintMismatch: -32010,
    CertificateExpired: -32010,
    RemoteFault: -32011,
    ContentTooLarge: -32012
  } as Readonly<Record<string, number>>
} as const

/**
 * A JSON-RPC 2.0 error object.
 *
 * @example
 * ```ts
 * import { JsonRpc } from "effect-faults/rpc"
 *
 * const e: JsonRpc.ErrorObject = { code: -32601, message: "Method not found" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface ErrorObject {
  readonly code: number
  readonly message: string
  readonly data?: unknown
}

/**
 * The JSON-RPC code of a public view.
 *
 * @example
 * ```ts
 * import { Exposure, Fault } from "effect-faults"
 * import { JsonRpc } from "effect-faults/rpc"
 *
 * console.log(JsonRpc.codeOf(Exposure.view(new Fault.InternalError({})))) // -32603
 * ```
 *
 * @category codes
 * @since 0.1.0
 */
export const codeOf = (view: Exposure.PublicView): number => {
  if (view.redacted || view.code === "InternalError") return codes.InternalError
  switch (view.code) {
    case "SchemaViolation":
      return view.fields?.direction === "inbound" ? codes.InternalError : codes.InvalidParams
    case "InvalidFieldValue":
      return codes.InvalidParams
    case "NotWellFormed":
      return view.fields?.direction === "outbound" ? codes.ParseError : codes.byFault.NotWellFormed!
    case "ContentTooLarge":
      // an answer too large for us is an upstream protocol fault, like one that does not parse
      return view.fields?.direction === "inbound" ? codes.byFault.NotWellFormed! : codes.byFault.ContentTooLarge!
  }
  return codes.byFault[view.code] ?? codes.ServerError
}

// -----------------------------------------------------------------------------
// Encoding
// -----------------------------------------------------------------------------

/**
 * Options of the encoder (the server side).
 *
 * @example
 * ```ts
 * import { JsonRpc } from "effect-faults/rpc"
 *
 * const options: JsonRpc.EncodeOptions = { correlationId: "c-42" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface EncodeOptions extends Failures.EncodeOptions {}

/**
 * The error object for a failure: its public view (5xx and undeclared failures redacted), our code
 * in `data.code`, and a copy of the failure in `data.failure` (a trace only with `unsafeTracebacks`).
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 * import { JsonRpc } from "effect-faults/rpc"
 *
 * const e = JsonRpc.fromFault(new Fault.NotFound({ resource: "record", id: "7" }))
 * console.log(e.code, e.message, (e.data as any).code) // -32001 "record '7' not found" "NotFound"
 * ```
 *
 * @category encoding
 * @since 0.1.0
 */
export const fromFault = (failure: unknown, options?: EncodeOptions): ErrorObject => {
  const view = Failures.publicView(failure, options)
  const { message: _message, ...data } = Failures.envelopeOf(
    view,
    CopiedFailure.make(failure, { view })
  )
  return { code: codeOf(view), message: view.message, data }
}

/**
 * A JSON-RPC error response for a failure.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 * import { JsonRpc } from "effect-faults/rpc"
 *
 * const body = JSON.stringify(JsonRpc.errorResponse(1, new Fault.RateLimited({ retryAfterMs: 1000 })))
 * ```
 *
 * @category encoding
 * @since 0.1.0
 */
export const errorResponse = (
  id: string | number | null,
  failure: unknown,
  options?: EncodeOptions
): { readonly jsonrpc: "2.0"; readonly id: string | number | null; readonly error: ErrorObject } => ({
  jsonrpc: "2.0",
  id,
  error: fromFault(failure, options)
})

// -----------------------------------------------------------------------------
// Decoding
// -----------------------------------------------------------------------------

/**
 * Options of the decoder (the client side).
 *
 * @example
 * ```ts
 * import { JsonRpc } from "effect-faults/rpc"
 *
 * const options: JsonRpc.DecodeOptions = { mode: "trust" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface DecodeOptions {
  readonly mode?: Trust.Mode | undefined
  readonly catalog?: Catalog.Catalog | undefined
}

const str = (u: unknown): string | undefined => typeof u === "string" ? u : undefined

const copiedFailure = (u: unknown): Fault.CopiedFailure | undefined => {
  if (!Predicate.isObject(u)) return undefined
  const c = u as Record<string, unknown>
  if (typeof c.type !== "string" || typeof c.message !== "string" || !Array.isArray(c.parents)) return undefined
  const parents = c.parents.filter((p): p is string => typeof p === "string").slice(0, 32)
  const trace = str(c.trace)
  return trace === undefined
    ? { type: c.type, message: c.message, parents }
    : { type: c.type, message: c.message, parents, trace }
}

// Lenient on purpose: a field of the wrong type is dropped, the rest is kept.
const envelopeFrom = (data: unknown, message: string | undefined): Failures.Envelope | undefined => {
  if (!Predicate.isObject(data) || Array.isArray(data)) return undefined
  const d = data as Record<string, unknown>
  if (typeof d.code !== "string" || d.code === "") return undefined
  const out: { -readonly [K in keyof Failures.Envelope]: Failures.Envelope[K] } = { code: d.code }
  if (message !== undefined) out.message = message
  if (Number.isInteger(d.status)) out.status = d.status as number
  if (Fault.isExpected(d.expected)) out.expected = d.expected
  if (typeof d.retryAfterMs === "number" && Number.isFinite(d.retryAfterMs) && d.retryAfterMs >= 0) {
    out.retryAfterMs = d.retryAfterMs
  }
  if (typeof d.correlationId === "string") out.correlationId = d.correlationId
  if (typeof d.eventId === "string") out.eventId = d.eventId
  if (Predicate.isObject(d.fields) && !Array.isArray(d.fields)) out.fields = d.fields as Record<string, unknown>
  if (Array.isArray(d.violations)) out.violations = d.violations as any // checked field by field in fromEnvelope
  const failure = copiedFailure(d.failure)
  if (failure !== undefined) out.failure = failure
  return out
}

const malformed = (reason: string, excerpt?: unknown): Fault.NotWellFormed =>
  new Fault.NotWellFormed({
    format: "json-rpc",
    direction: "inbound",
    reason,
    excerpt: excerpt === undefined ? undefined : Exposure.truncate(safeStringify(excerpt), 200)
  })

const safeStringify = (u: unknown): string => {
  try {
    return typeof u === "string" ? u : String(JSON.stringify(u))
  } catch {
    return String(typeof u)
  }
}

/**
 * The fault for a JSON-RPC error object from any peer; never throws, whatever the input. Our own
 * `data` is decoded through `Trust.toFault` (`protocol: "json-rpc"`); reserved codes from another
 * peer map to the protocol faults (-32602 → a `SchemaViolation` the remote caught, -32700 / -32600 →
 * `NotWellFormed`, -32601 → `RemoteFault` "MethodNotFound"); anything else is a remote failure. An
 * error object that is not one is a `NotWellFormed` answer.
 *
 * @example
 * ```ts
 * import { JsonRpc } from "effect-faults/rpc"
 *
 * const f = JsonRpc.toFault({ code: -32001, message: "record '7' not found", data: { code: "NotFound", status: 404, fields: { id: "7" } } })
 * console.log(f._tag) // "RemoteFault" (distrust)
 * console.log(JsonRpc.toFault({ code: -32001, message: "x", data: { code: "NotFound", fields: { id: "7" } } }, { mode: "trust" })._tag) // "NotFound"
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const toFault = (error: unknown, options?: DecodeOptions): Fault.Fault => {
  try {
    return decodeError(error, options)
  } catch (cause) {
    // belt and braces: a decoder must never turn a peer's bytes into a defect
    return Fault.withCause(malformed("error object could not be read"), cause)
  }
}

const decodeError = (error: unknown, options?: DecodeOptions): Fault.Fault => {
  if (!Predicate.isObject(error) || Array.isArray(error)) return malformed("error is not an object", error)
  const e = error as Record<string, unknown>
  const code = e.code
  if (typeof code !== "number" || !Number.isInteger(code)) return malformed("error.code is not an integer", error)
  const message = str(e.message)
  const trust: Trust.Options = {
    mode: options?.mode ?? "distrust",
    catalog: options?.catalog ?? Catalog.builtin,
    protocol: "json-rpc"
  }
  const envelope = envelopeFrom(e.data, message)
  if (envelope !== undefined && code !== codes.MethodNotFound) return Failures.fromEnvelope(envelope, trust)
  switch (code) {
    case codes.ParseError:
    case codes.InvalidRequest:
      return new Fault.NotWellFormed({
        format: code === codes.ParseError ? "json" : "json-rpc",
        direction: "outbound",
        reason: message ?? (code === codes.ParseError ? "Parse error" : "Invalid Request"),
        origin: "remote"
      })
    case codes.MethodNotFound:
      return Trust.toFault({ code: "MethodNotFound", message, status: 404, expected: "FixRequest" }, trust)
  }
  switch (code) {
    case codes.InvalidParams:
      return Failures.violation("RemoteInboundViolation", [{ field: "params", message: message ?? "Invalid params" }])
    case codes.InternalError:
      return Trust.toFault({ code: "InternalError", message, status: 500 }, trust)
  }
  return Trust.toFault({
    code: String(code),
    message,
    status: code <= -32000 && code >= -32099 ? 500 : undefined
  }, trust)
}

/**
 * Reads a JSON-RPC response (text or parsed): its result, or the fault for its error. Never throws;
 * text that is not a JSON-RPC response is a `NotWellFormed` answer.
 *
 * @example
 * ```ts
 * import { Result } from "effect"
 * import { JsonRpc } from "effect-faults/rpc"
 *
 * const r = JsonRpc.decodeResponse(`{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}`)
 * console.log(Result.isFailure(r) && r.failure._tag) // "RemoteFault"
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const decodeResponse = (response: unknown, options?: DecodeOptions): Result.Result<unknown, Fault.Fault> => {
  let parsed = response
  if (typeof response === "string") {
    try {
      parsed = JSON.parse(response)
    } catch (cause) {
      return Result.fail(
        new Fault.NotWellFormed({
          format: "json",
          direction: "inbound",
          reason: cause instanceof Error ? cause.message : "not JSON",
          excerpt: Exposure.truncate(response, 200),
          cause
        })
      )
    }
  }
  if (!Predicate.isObject(parsed) || Array.isArray(parsed)) {
    return Result.fail(malformed("response is not an object", parsed))
  }
  const r = parsed as Record<string, unknown>
  if ("error" in r && r.error !== undefined && r.error !== null) return Result.fail(toFault(r.error, options))
  if ("result" in r) return Result.succeed(r.result)
  return Result.fail(malformed("response has neither result nor error", parsed))
}

// -----------------------------------------------------------------------------
// Methods, server, client
// -----------------------------------------------------------------------------

/**
 * A JSON-RPC method: its name and the schemas of its params and result, shared by the server and
 * the client.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { JsonRpc } from "effect-faults/rpc"
 *
 * const Echo: JsonRpc.Method<"echo", typeof Schema.String, typeof Schema.String> = JsonRpc.method("echo", {
 *   params: Schema.String,
 *   result: Schema.String
 * })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Method<Name extends string, P extends Schema.Top, S extends Schema.Top> {
  readonly name: Name
  readonly params: P
  readonly result: S
}

/**
 * Defines a method.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { JsonRpc } from "effect-faults/rpc"
 *
 * const GetRecord = JsonRpc.method("getRecord", {
 *   params: Schema.Struct({ id: Schema.String }),
 *   result: Schema.Struct({ id: Schema.String, value: Schema.String })
 * })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const method = <const Name extends string, P extends Schema.Top, S extends Schema.Top>(
  name: Name,
  schemas: { readonly params: P; readonly result: S }
): Method<Name, P, S> => ({ name, params: schemas.params, result: schemas.result })

/**
 * A method with its implementation, for {@link handler}.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { JsonRpc } from "effect-faults/rpc"
 *
 * const Echo = JsonRpc.method("echo", { params: Schema.String, result: Schema.String })
 * const h: JsonRpc.Handler = JsonRpc.implement(Echo, (s) => Effect.succeed(s))
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Handler {
  readonly method: Method<string, Schema.Top, Schema.Top>
  readonly run: (params: unknown) => Effect.Effect<unknown, unknown>
}

/**
 * Implements a method. The implementation fails with faults (or anything: undeclared errors and
 * defects go out as a redacted internal error).
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { Fault } from "effect-faults"
 * import { JsonRpc } from "effect-faults/rpc"
 *
 * const Get = JsonRpc.method("get", { params: Schema.Struct({ id: Schema.String }), result: Schema.String })
 * const h = JsonRpc.implement(Get, ({ id }) => id === "7" ? Effect.succeed("seven") : Effect.fail(new Fault.NotFound({ id })))
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const implement = <Name extends string, P extends Schema.Top, S extends Schema.Top, E>(
  method: Method<Name, P, S>,
  run: (params: P["Type"]) => Effect.Effect<S["Type"], E>
): Handler => ({ method: method as any, run: run as any })

/**
 * Options of the server.
 *
 * @example
 * ```ts
 * import { JsonRpc } from "effect-faults/rpc"
 *
 * const options: JsonRpc.ServerOptions = { checkResults: false }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface ServerOptions extends EncodeOptions {
  /** Check each result against the method's result schema before sending it (default true). */
  readonly checkResults?: boolean | undefined
}

type Reply = Record<string, unknown> | undefined

/**
 * A JSON-RPC server over text: request body in, response body out (`undefined` when there is
 * nothing to answer: notifications). Params that break the method's schema are answered -32602
 * with the field violations; a result that breaks the result schema is caught before it leaves
 * (the remote outbound violation) and answered -32603 with the violations, values withheld.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { JsonRpc } from "effect-faults/rpc"
 *
 * const Echo = JsonRpc.method("echo", { params: Schema.String, result: Schema.String })
 * const serve = JsonRpc.handler([JsonRpc.implement(Echo, (s) => Effect.succeed(s))])
 * const reply = serve(`{"jsonrpc":"2.0","id":1,"method":"echo","params":"hi"}`) // Effect<string | undefined>
 * ```
 *
 * @category server
 * @since 0.1.0
 */
export const handler = (
  handlers: Iterable<Handler>,
  options?: ServerOptions
): (body: string) => Effect.Effect<string | undefined> => {
  const byName = new Map<string, {
    readonly handler: Handler
    readonly decode: (u: unknown) => Effect.Effect<unknown, Schema.SchemaError>
    readonly encode: (u: unknown) => Effect.Effect<unknown, Schema.SchemaError>
  }>()
  for (const h of handlers) {
    byName.set(h.method.name, {
      handler: h,
      decode: Schema.decodeUnknownEffect(h.method.params as any) as any,
      encode: Schema.encodeUnknownEffect(h.method.result as any) as any
    })
  }
  const checkResults = options?.checkResults ?? true

  const one = (request: unknown): Effect.Effect<Reply> =>
    Effect.flatMap(currentEncodeOptions(options), (encodeOptions) => {
      const fail = (id: string | number | null, failure: unknown): Reply => errorResponse(id, failure, encodeOptions)
      const r = request as Record<string, unknown>
      const rawId = Predicate.isObject(request) ? r.id : undefined
      const id = typeof rawId === "string" || typeof rawId === "number" ? rawId : null
      const isNotification = Predicate.isObject(request) && !("id" in r)
      if (
        !Predicate.isObject(request) || Array.isArray(request) || r.jsonrpc !== "2.0" ||
        typeof r.method !== "string" || (rawId !== undefined && rawId !== null && id === null)
      ) {
        return Effect.succeed(protocolError(id, codes.InvalidRequest, "Invalid Request"))
      }
      const entry = byName.get(r.method as string)
      if (entry === undefined) {
        return Effect.succeed(isNotification ? undefined : protocolError(id, codes.MethodNotFound, "Method not found"))
      }
      const source = `json-rpc:${entry.handler.method.name}`
      return entry.decode(r.params).pipe(
        Effect.mapError((error) =>
          // the caller's own data: the violations keep what it sent
          Failures.violation("LocalOutboundViolation", error.issue, { cause: error })
        ),
        Effect.flatMap((params) => entry.handler.run(params)),
        Effect.flatMap((result) =>
          checkResults
            ? Effect.mapError(entry.encode(result), (error) =>
              // our own answer breaks our contract: say so, without the values
              Failures.violation("LocalInboundViolation", error.issue, { cause: error }))
            : Effect.succeed(result)
        ),
        Effect.exit,
        Effect.flatMap((exit): Effect.Effect<Reply> => {
          if (Exit.isSuccess(exit)) {
            return Effect.succeed(isNotification ? undefined : { jsonrpc: "2.0", id, result: exit.value ?? null })
          }
          const failure = failureOf(exit.cause) ?? new Fault.InternalError({ message: "interrupted" })
          return Effect.as(
            Report.cause(exit.cause, { source }),
            isNotification ? undefined : fail(id, failure)
          )
        })
      )
    })

  return (body) =>
    Effect.suspend(() => {
      let parsed: unknown
      try {
        parsed = JSON.parse(body)
      } catch {
        return Effect.succeed(JSON.stringify(protocolError(null, codes.ParseError, "Parse error")))
      }
      if (Array.isArray(parsed)) {
        if (parsed.length === 0) {
          return Effect.succeed(JSON.stringify(protocolError(null, codes.InvalidRequest, "Invalid Request")))
        }
        return Effect.map(
          Effect.forEach(parsed, one),
          (replies) => {
            const out = replies.filter((r) => r !== undefined)
            return out.length === 0 ? undefined : JSON.stringify(out)
          }
        )
      }
      return Effect.map(one(parsed), (reply) => reply === undefined ? undefined : JSON.stringify(reply))
    })
}

const protocolError = (id: string | number | null, code: number, message: string): Reply => ({
  jsonrpc: "2.0",
  id,
  error: { code, message }
})

// the server's options, with the calling fiber's exposure config and correlation id
const currentEncodeOptions = (options: EncodeOptions | undefined): Effect.Effect<EncodeOptions> =>
  Effect.map(Effect.all([Correlation.CorrelationId, Exposure.CurrentConfig]), ([correlationId, config]) => ({
    ...options,
    config: options?.config ?? config,
    correlationId: correlationId ?? options?.correlationId
  }))

/**
 * Serves a JSON-RPC handler as a `POST` route of an `HttpRouter`. Every answer is `200` with the
 * JSON-RPC response (`204` when there is nothing to answer). A request body over the server's limit
 * (`HttpIncomingMessage.MaxBodySize`) is never read: it is answered -32012 `ContentTooLarge`
 * (outbound, with `limitBytes`, the limit applied) and id `null`, since the request's id was not read.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { JsonRpc } from "effect-faults/rpc"
 *
 * const Echo = JsonRpc.method("echo", { params: Schema.String, result: Schema.String })
 * const Route = JsonRpc.layerHttp({ path: "/rpc", handlers: [JsonRpc.implement(Echo, Effect.succeed)] })
 * ```
 *
 * @category server
 * @since 0.1.0
 */
export const layerHttp = (
  options: ServerOptions & { readonly path: HttpRouter.PathInput; readonly handlers: Iterable<Handler> }
): Layer.Layer<never, never, HttpRouter.HttpRouter> => {
  const serve = handler(options.handlers, options)
  return HttpRouter.add(
    "POST",
    options.path,
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const answer = request.text.pipe(Effect.matchEffect({
        onSuccess: serve,
        onFailure: (error) =>
          Effect.withFiber((fiber) => {
            const tooLarge = contentTooLargeOf(error, fiber.context)
            return tooLarge === undefined
              // any other unreadable body is answered as one that does not parse
              ? serve("")
              // the caller's fault, said as such (not a parse error): -32012 with the limit that applied
              : Effect.map(
                currentEncodeOptions(options),
                (encodeOptions) => JSON.stringify(errorResponse(null, tooLarge, encodeOptions))
              )
          })
      }))
      // the caller's correlation id (or a fresh one) for the handlers and the errors they answer
      const reply = yield* Correlation.accept(answer, request.headers)
      return reply === undefined
        ? HttpServerResponse.empty({ status: 204 })
        : HttpServerResponse.text(reply, { contentType: "application/json" })
    })
  )
}

/**
 * A JSON-RPC client: each call checks its params before sending (local outbound violation), maps a
 * broken link to `Unreachable` / `ConnectionLost`, an error object to its fault under the trust
 * mode (`options.mode` / `options.catalog`, else `Trust.CurrentMode` / `Catalog.Current` of the
 * caller), and checks the result against the method's schema (local inbound violation).
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { JsonRpc } from "effect-faults/rpc"
 *
 * const Echo = JsonRpc.method("echo", { params: Schema.String, result: Schema.String })
 * const program = Effect.gen(function*() {
 *   const client = yield* JsonRpc.makeClient({ url: "http://127.0.0.1:8080/rpc" })
 *   return yield* client.call(Echo, "hi")
 * }).pipe(Effect.provide(FetchHttpClient.layer))
 * ```
 *
 * @category client
 * @since 0.1.0
 */
export const makeClient = <F extends Fault.Fault = never>(
  options: DecodeOptions & { readonly url: string }
): Effect.Effect<Client<F>, never, HttpClient.HttpClient> =>
  Effect.map(HttpClient.HttpClient, (http) => {
    let nextId = 0
    const host = hostOf(options.url)
    const call = <P extends Schema.Top, S extends Schema.Top>(
      method: Method<string, P, S>,
      params: P["Type"]
    ): Effect.Effect<S["Type"], Fault.Builtin | F> =>
      Effect.gen(function*() {
        const encoded = yield* Effect.mapError(
          Schema.encodeUnknownEffect(method.params as any)(params) as Effect.Effect<unknown, Schema.SchemaError>,
          (error) => Failures.violation("LocalOutboundViolation", error.issue, { cause: error })
        )
        const id = ++nextId
        const body = JSON.stringify({ jsonrpc: "2.0", id, method: method.name, params: encoded })
        const correlationId = yield* Correlation.CorrelationId
        // explicit options win; otherwise the settings layers of the calling fiber
        const decode: DecodeOptions = {
          mode: options.mode ?? (yield* Trust.CurrentMode),
          catalog: options.catalog ?? (yield* Catalog.Current)
        }
        const headers: Record<string, string> = correlationId === undefined
          ? {}
          : { [(yield* Correlation.CurrentConfig).responseHeader]: correlationId }
        const response = yield* http.post(options.url, { body: HttpBody.text(body, "application/json"), headers }).pipe(
          Effect.mapError((error) => Failures.partition(error.reason.cause ?? error, { host }))
        )
        const text = yield* Effect.mapError(
          response.text,
          (error) => Failures.partition(error.reason.cause ?? error, { host })
        )
        if (response.status >= 400 && !text.trimStart().startsWith("{")) {
          return yield* new Fault.BadStatus({ statusCode: response.status, excerpt: Exposure.truncate(text, 200) })
        }
        const decoded = decodeResponse(text, decode)
        if (Result.isFailure(decoded)) return yield* Effect.fail(decoded.failure)
        return yield* Effect.mapError(
          Schema.decodeUnknownEffect(method.result as any)(decoded.success) as Effect.Effect<
            S["Type"],
            Schema.SchemaError
          >,
          (error) => Failures.violation("LocalInboundViolation", error.issue, { cause: error })
        )
      }).pipe(
        Effect.tapError((fault) => Failures.report(fault, { source: `json-rpc:${method.name}` }))
      ) as Effect.Effect<S["Type"], Fault.Builtin | F>
    return { call }
  })

/**
 * The client made by {@link makeClient}: its calls fail with the built-in faults, and `F`, the faults
 * of your own catalog that may arrive in trust mode.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { JsonRpc } from "effect-faults/rpc"
 *
 * const Echo = JsonRpc.method("echo", { params: Schema.String, result: Schema.String })
 * const hello = (client: JsonRpc.Client) => client.call(Echo, "hello")
 * ```
 *
 * @category client
 * @since 0.1.0
 */
export interface Client<F extends Fault.Fault = never> {
  readonly call: <P extends Schema.Top, S extends Schema.Top>(
    method: Method<string, P, S>,
    params: P["Type"]
  ) => Effect.Effect<S["Type"], Fault.Builtin | F>
}

const hostOf = (url: string): string | undefined => {
  try {
    return new URL(url).host
  } catch {
    return undefined
  }
}

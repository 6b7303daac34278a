/**
 * Faults on Effect RPC (`effect/rpc`).
 *
 * - Server: add {@link FaultMiddleware} to a group and provide {@link layerServer}. A handler fails
 *   with faults; a declared, public one goes out as itself (the client decodes it typed, as Effect
 *   RPC always does); anything else — an undeclared error, a 5xx fault, a defect — goes out as an
 *   {@link RpcFailure} envelope built from its public view (redacted) with a copied failure. Because
 *   a defect is turned into a failure of that call, Effect RPC never sends it as a connection-level
 *   `Defect` message (which, on its JSON-RPC framing, loses the request id and fails every call in
 *   flight): the failing call fails alone, with its own id, and the connection stays usable. With
 *   `checkResponses` (default) the handler's answer is checked against the success schema before
 *   it leaves, so a broken answer is reported as the remote outbound violation, values withheld.
 * - Client: {@link client} wraps `RpcClient.make`: arguments are checked before sending (local
 *   outbound violation), `RpcClientError`s become partitions, Effect RPC's schema defects become the
 *   four schema violations, and remote failures go through the trust mode: a `RemoteFault` with the
 *   copied failure (distrust, the default) or the typed fault marked received (trust); the mode and
 *   catalog are the client's options, else `Trust.CurrentMode` / `Catalog.Current` of the caller.
 *
 * @since 0.1.0
 */
import type { Scope, Stream } from "effect"
import { Cause, Effect, Exit, Layer, Predicate, Schema } from "effect"
import { Rpc, RpcClient, RpcClientError, RpcMiddleware, RpcSchema } from "effect/rpc"
import type { RpcGroup } from "effect/rpc"
import * as Catalog from "../Catalog.ts"
import * as Correlation from "../Correlation.ts"
import * as Exposure from "../Exposure.ts"
import * as Fault from "../Fault.ts"
import { failureOf } from "../internal/cause.ts"
import * as Report from "../Report.ts"
import * as Trust from "../Trust.ts"
import * as Failures from "./Failures.ts"
import * as violations from "./internal/violations.ts"

/**
 * The protocol name received faults carry (`RemoteFault.protocol`).
 *
 * @example
 * ```ts
 * import { EffectRpc } from "effect-faults/rpc"
 *
 * console.log(EffectRpc.protocol) // "effect-rpc"
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const protocol = "effect-rpc"

/**
 * The wire form of every failure a handler did not declare (or may not show): the public view and a
 * copied failure ({@link Failures.Envelope}). Added to every RPC's errors by {@link FaultMiddleware}.
 *
 * @example
 * ```ts
 * import { EffectRpc } from "effect-faults/rpc"
 *
 * const f = new EffectRpc.RpcFailure({ code: "InternalError", message: "Internal error", status: 500 })
 * ```
 *
 * @category errors
 * @since 0.1.0
 */
export class RpcFailure extends Schema.TaggedError<RpcFailure>()("effect-faults/RpcFailure", Failures.Envelope.fields) {
  constructor(props: Failures.Envelope, options?: Schema.MakeOptions) {
    // Built for every redacted failure a server sends and on every decode at the client: the frames
    // would point at this middleware or at the decoder, never at the failure, and capturing them
    // costs several µs each time. The copied failure carries the trace when one may be sent.
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    try {
      super(props, options)
    } finally {
      Error.stackTraceLimit = limit
    }
  }
}

/**
 * The server middleware that turns every handler failure into a fault a client can read. Add it to
 * the group (`RpcGroup.make(...).middleware(EffectRpc.FaultMiddleware)`) and provide
 * {@link layerServer} to the server.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Rpc, RpcGroup } from "effect/rpc"
 * import { Fault } from "effect-faults"
 * import { EffectRpc } from "effect-faults/rpc"
 *
 * class Records extends RpcGroup.make(
 *   Rpc.make("Get", { payload: { id: Schema.String }, success: Schema.String, error: Fault.NotFound })
 * ).middleware(EffectRpc.FaultMiddleware) {}
 * ```
 *
 * @category middleware
 * @since 0.1.0
 */
export class FaultMiddleware extends RpcMiddleware.Service<FaultMiddleware>()("effect-faults/rpc/FaultMiddleware", {
  error: RpcFailure
}) {}

/**
 * Options of the server middleware.
 *
 * @example
 * ```ts
 * import { Exposure } from "effect-faults"
 * import { EffectRpc } from "effect-faults/rpc"
 *
 * const dev: EffectRpc.ServerOptions = { config: { ...Exposure.defaultConfig, unsafeTracebacks: true } }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface ServerOptions extends Failures.EncodeOptions {
  /** Check each answer against the RPC's success schema before it leaves (default true). */
  readonly checkResponses?: boolean | undefined
}

const encoders = new WeakMap<object, (u: unknown) => Effect.Effect<unknown, Schema.SchemaError>>()
const successEncoder = (rpc: Rpc.AnyWithProps) => {
  let encode = encoders.get(rpc)
  if (encode === undefined) {
    encode = RpcSchema.isStreamSchema(rpc.successSchema)
      ? Effect.succeed // streams are checked element by element by Effect RPC itself
      : Schema.encodeUnknownEffect(rpc.successSchema as any) as any
    encoders.set(rpc, encode!)
  }
  return encode!
}

/**
 * The server side of {@link FaultMiddleware}.
 *
 * @example
 * ```ts
 * import { Catalog } from "effect-faults"
 * import { EffectRpc } from "effect-faults/rpc"
 *
 * const FaultsLive = EffectRpc.layerServer({ catalog: Catalog.builtin })
 * ```
 *
 * @category middleware
 * @since 0.1.0
 */
export const layerServer = (options?: ServerOptions): Layer.Layer<FaultMiddleware> =>
  Layer.succeed(FaultMiddleware)((effect, { headers, rpc }) => {
    const check = options?.checkResponses ?? true
    const source = `effect-rpc:${rpc._tag}`
    const isDeclared = Schema.is(rpc.errorSchema as Schema.Top)
    const checked = check
      ? Effect.tap(effect, (value) =>
        Effect.mapError(successEncoder(rpc)(value), (error) =>
          // our own answer breaks our contract: the caller sees the violation, never the values
          Failures.violation("LocalInboundViolation", error.issue, { cause: error })))
      : effect
    const guarded = Effect.catchCause(checked, (cause): Effect.Effect<never, unknown> => {
      if (Cause.hasInterruptsOnly(cause)) return Effect.failCause(cause)
      const failure = failureOf(cause)
      const declared = Cause.hasFails(cause) && isDeclared(failure) &&
        (!Fault.isFault(failure) || Exposure.isPublic(failure, options))
      if (declared) {
        return Fault.isFault(failure) && failure.correlationId === undefined
          ? Effect.flatMap(
            Correlation.CorrelationId,
            (correlationId): Effect.Effect<never, unknown> =>
              correlationId === undefined
                ? Effect.failCause(cause)
                : Effect.fail(Fault.withCorrelationId(failure, correlationId))
          )
          : Effect.failCause(cause)
      }
      return Effect.flatMap(
        Correlation.CorrelationId,
        (correlationId) =>
          Effect.flatMap(Exposure.CurrentConfig, (config) =>
            Effect.andThen(
              Report.cause(cause, { source }),
              Effect.fail(
                new RpcFailure(Failures.toEnvelope(failure, {
                  ...options,
                  config: options?.config ?? config,
                  correlationId: correlationId ?? options?.correlationId
                }))
              )
            ))
      )
    })
    // the caller's correlation id (or a fresh one) for the handler, its logs and its failures
    return Correlation.accept(guarded, headers as Readonly<Record<string, string>>) as any
  })

// -----------------------------------------------------------------------------
// Client
// -----------------------------------------------------------------------------

/**
 * Options of the client.
 *
 * @example
 * ```ts
 * import { EffectRpc } from "effect-faults/rpc"
 *
 * const options: EffectRpc.ClientOptions = { mode: "trust", host: "records.internal" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface ClientOptions {
  /**
   * `distrust`: every remote failure is a `RemoteFault`; `trust`: the typed fault, received. Otherwise
   * `Trust.CurrentMode` of the calling fiber (default `distrust`).
   */
  readonly mode?: Trust.Mode | undefined
  /** The catalog remote codes are mapped back through in trust mode; otherwise `Catalog.Current` of the caller. */
  readonly catalog?: Catalog.Catalog | undefined
  /** Names the server in `Unreachable` / `ConnectionLost`. */
  readonly host?: string | undefined
}

/**
 * A client whose calls fail with faults only (and the errors the RPC declares that are not faults):
 * the declared ones, the built-in ones, and `F`, the faults of your own catalog that may arrive in
 * trust mode without being declared. Streaming RPCs are not part of it: use `RpcClient.make`.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { Rpc, RpcGroup } from "effect/rpc"
 * import { EffectRpc } from "effect-faults/rpc"
 *
 * class Echo extends RpcGroup.make(Rpc.make("Echo", { payload: { s: Schema.String }, success: Schema.String })) {}
 * const hello = (client: EffectRpc.Client<RpcGroup.Rpcs<typeof Echo>>) => client.Echo({ s: "hello" })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Client<Rpcs extends Rpc.Any, F extends Fault.Fault = never> = {
  readonly [R in Rpcs as Rpc.Success<R> extends Stream.Stream<infer _A, infer _E, infer _R> ? never : R["_tag"]]: (
    payload: Rpc.PayloadConstructor<R>,
    options?: { readonly headers?: Record<string, string> | undefined }
  ) => Effect.Effect<
    Rpc.Success<R>,
    Exclude<Rpc.Error<R>, RpcFailure | RpcClientError.RpcClientError> | Fault.Builtin | F,
    never
  >
}

const payloadEncoders = new WeakMap<object, (u: unknown) => Effect.Effect<unknown, Schema.SchemaError>>()
const payloadEncoder = (rpc: Rpc.AnyWithProps) => {
  let encode = payloadEncoders.get(rpc)
  if (encode === undefined) {
    encode = Schema.encodeUnknownEffect(rpc.payloadSchema as any) as any
    payloadEncoders.set(rpc, encode!)
  }
  return encode!
}

/**
 * The fault for an `RpcClientError`: a broken link is a partition (`Unreachable` when nothing was
 * sent, `ConnectionLost` otherwise), an answer that cannot be read is `NotWellFormed`, an HTTP
 * status other than 200 is `BadStatus`.
 *
 * @example
 * ```ts
 * import { RpcClientError } from "effect/rpc"
 * import { EffectRpc } from "effect-faults/rpc"
 *
 * const e = new RpcClientError.RpcClientError({
 *   reason: new RpcClientError.RpcClientDefect({ message: "HTTP response ended before RPC request completed", cause: null })
 * })
 * console.log(EffectRpc.fromClientError(e)._tag) // "ConnectionLost"
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const fromClientError = (
  error: RpcClientError.RpcClientError,
  options?: { readonly host?: string | undefined }
): Fault.Fault => {
  const reason = error.reason as {
    readonly _tag: string
    readonly kind?: string
    readonly cause?: unknown
    readonly message?: string
  }
  const host = options?.host
  switch (reason._tag) {
    case "HttpError": {
      switch (reason.kind) {
        case "StatusCodeError": {
          const status = (reason.cause as { response?: { status?: unknown } } | undefined)?.response?.status
          return new Fault.BadStatus({ statusCode: typeof status === "number" ? status : 500, cause: error })
        }
        case "InvalidUrlError":
          return new Fault.Unreachable({ host, reason: "invalid URL", cause: error })
        case "EncodeError":
          return new Fault.NotWellFormed({
            format: "rpc",
            direction: "outbound",
            reason: "request could not be encoded",
            cause: error
          })
        default:
          return Failures.partition(Predicate.hasProperty(reason.cause, "cause") ? reason.cause.cause : reason.cause, {
            host
          })
      }
    }
    case "RpcClientDefect": {
      const message = reason.message ?? ""
      if (message.startsWith("Error decoding") || message.startsWith("Expected an array")) {
        return new Fault.NotWellFormed({ format: "rpc", direction: "inbound", reason: message, cause: error })
      }
      return new Fault.ConnectionLost({ host, reason: message, phase: "MaybeDelivered", cause: error })
    }
    case "SocketOpenError":
      return new Fault.Unreachable({ host, reason: reason.kind ?? "socket open failed", cause: error })
    default:
      return Failures.partition(reason.cause ?? error, { host })
  }
}

const encodeFailurePrefix = "Failed to encode response for RPC"
const unknownTagPrefix = "Unknown request tag"

/**
 * The fault for a defect an Effect RPC call died with: Effect RPC reports its own schema checks as
 * defects. A `SchemaError` raised here is our rejection of the answer (local inbound: arguments are
 * checked before sending); a string from the server is its rejection of our arguments (remote
 * inbound) or of its own answer (remote outbound); any other defect crossed without the
 * middleware and is an internal remote failure, its message withheld.
 *
 * @example
 * ```ts
 * import { EffectRpc } from "effect-faults/rpc"
 *
 * const f = EffectRpc.fromDefect("Expected string, got 1\n  at [\"id\"]", { protocol: "effect-rpc" })
 * console.log(f._tag, (f as any).direction, f.origin) // "SchemaViolation" "outbound" "remote"
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const fromDefect = (defect: unknown, options: Failures.DecodeOptions): Fault.Fault => {
  if (Schema.isSchemaError(defect)) return Failures.violation("LocalInboundViolation", defect.issue, { cause: defect })
  if (typeof defect === "string") {
    if (defect.startsWith(encodeFailurePrefix)) {
      const colon = defect.indexOf(": ")
      const text = colon === -1 ? defect : defect.slice(colon + 2)
      // drop the offending values: they are the remote's private data
      return Failures.violation(
        "RemoteOutboundViolation",
        // the path starts at the encoded Exit's `value`
        violations.fromFormatted(text, { dropPrefix: "value" }).map((v) => ({
          ...v,
          message: v.message.replace(/, got [\s\S]*$/, "")
        }))
      )
    }
    if (defect.startsWith(unknownTagPrefix)) {
      return Trust.toFault({ code: "MethodNotFound", message: defect, status: 404, expected: "FixRequest" }, {
        mode: options.mode ?? "distrust",
        catalog: options.catalog ?? Catalog.builtin,
        protocol: options.protocol
      })
    }
    return Failures.violation("RemoteInboundViolation", violations.fromFormatted(defect))
  }
  const name = Predicate.isObject(defect) && typeof (defect as { name?: unknown }).name === "string"
    ? (defect as { name: string }).name
    : "Defect"
  return Trust.toFault({
    code: "InternalError",
    status: 500,
    failure: { type: name, message: Exposure.defaultConfig.genericMessage, parents: [] }
  }, { mode: options.mode ?? "distrust", catalog: options.catalog ?? Catalog.builtin, protocol: options.protocol })
}

/**
 * The fault for the cause an Effect RPC call failed with (interruptions excepted).
 *
 * @example
 * ```ts
 * import { Cause } from "effect"
 * import { Fault } from "effect-faults"
 * import { EffectRpc } from "effect-faults/rpc"
 *
 * const f = EffectRpc.fromCause(Cause.fail(new Fault.NotFound({ id: "7" })))
 * console.log(f._tag) // "RemoteFault"
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const fromCause = (cause: Cause.Cause<unknown>, options?: ClientOptions): unknown => {
  const decode: Failures.DecodeOptions = { mode: options?.mode, catalog: options?.catalog, protocol }
  for (const reason of cause.reasons) {
    if (reason._tag === "Fail") {
      const error = reason.error
      if (error instanceof RpcFailure) return Failures.fromEnvelope(error, decode)
      if (error instanceof RpcClientError.RpcClientError) return fromClientError(error, options)
      if (Fault.isFault(error)) return Failures.fromTyped(error, decode)
      return error // a declared error that is not a fault: the RPC's own contract
    }
    if (reason._tag === "Die") return fromDefect(reason.defect, decode)
  }
  return new Fault.InternalError({ message: "call failed without a reason", cause })
}

/**
 * Makes a client for a group whose calls fail with faults (see the module description). Needs the
 * same `RpcClient.Protocol` as `RpcClient.make`.
 *
 * @example
 * ```ts
 * import { Effect, Layer, Schema } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { Rpc, RpcClient, RpcGroup, RpcSerialization } from "effect/rpc"
 * import { Fault } from "effect-faults"
 * import { EffectRpc } from "effect-faults/rpc"
 *
 * class Records extends RpcGroup.make(
 *   Rpc.make("Get", { payload: { id: Schema.String }, success: Schema.String, error: Fault.NotFound })
 * ).middleware(EffectRpc.FaultMiddleware) {}
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* EffectRpc.client(Records, { mode: "distrust" })
 *   return yield* client.Get({ id: "7" }).pipe(
 *     Effect.catchTag("RemoteFault", (f) => Effect.succeed(`remote said ${f.remoteCode}`))
 *   )
 * }).pipe(
 *   Effect.scoped,
 *   Effect.provide(RpcClient.layerProtocolHttp({ url: "http://127.0.0.1:8080/rpc" }).pipe(
 *     Layer.provide([FetchHttpClient.layer, RpcSerialization.layerJsonRpc()])
 *   ))
 * )
 * ```
 *
 * @category client
 * @since 0.1.0
 */
export const client = <Rpcs extends Rpc.Any, F extends Fault.Fault = never>(
  group: RpcGroup.RpcGroup<Rpcs>,
  options?: ClientOptions
): Effect.Effect<Client<Rpcs, F>, never, RpcClient.Protocol | Rpc.MiddlewareClient<Rpcs> | Scope.Scope> =>
  Effect.map(RpcClient.make(group), (raw) => {
    const out: Record<string, unknown> = {}
    for (const [tag, rpc] of group.requests) {
      // streaming RPCs are left to `RpcClient.make`: their failures arrive element by element
      if (RpcSchema.isStreamSchema((rpc as unknown as Rpc.AnyWithProps).successSchema)) continue
      const call = (raw as any)[tag] as (payload: unknown, options?: unknown) => Effect.Effect<unknown, unknown>
      const encode = payloadEncoder(rpc as any)
      const source = `effect-rpc:${tag}`
      out[tag] = (payload: unknown, callOptions?: { readonly headers?: Record<string, string> | undefined }) =>
        Effect.flatMap(
          Effect.all([Correlation.CorrelationId, Correlation.CurrentConfig, Trust.CurrentMode, Catalog.Current]),
          ([correlationId, config, mode, catalog]) =>
            call_(
              payload,
              correlationId === undefined ? callOptions : {
                ...callOptions,
                headers: { [config.responseHeader]: correlationId, ...callOptions?.headers }
              },
              // explicit options win; otherwise the settings layers of the calling fiber
              { ...options, mode: options?.mode ?? mode, catalog: options?.catalog ?? catalog }
            )
        )
      const call_ = (
        payload: unknown,
        callOptions: { readonly headers?: Record<string, string> | undefined } | undefined,
        decode: ClientOptions
      ) =>
        encode(payload).pipe(
          Effect.matchCauseEffect({
            onFailure: (cause) => {
              const error = failureOf(cause)
              // our own arguments: the violations keep what we tried to send
              return Effect.fail(
                Schema.isSchemaError(error)
                  ? Failures.violation("LocalOutboundViolation", error.issue, { cause: error })
                  : new Fault.InternalError({ message: "payload could not be encoded", cause })
              )
            },
            onSuccess: () =>
              Effect.catchCause(
                call(payload, callOptions),
                (cause) =>
                  Cause.hasInterruptsOnly(cause) ? Effect.failCause(cause) : Effect.fail(fromCause(cause, decode))
              )
          }),
          Effect.tapError((error) => Fault.isFault(error) ? Failures.report(error, { source }) : Effect.void)
        )
    }
    return out as Client<Rpcs, F>
  })

/**
 * Whether the exit of a call is a failure the caller may try elsewhere (see
 * `Failures.isWorthFallback`): handy in `Effect.catchIf` / `Effect.orElse` based fallbacks.
 *
 * @example
 * ```ts
 * import { Exit } from "effect"
 * import { Fault } from "effect-faults"
 * import { EffectRpc } from "effect-faults/rpc"
 *
 * console.log(EffectRpc.isWorthFallback(Exit.fail(new Fault.Unreachable({ reason: "ECONNREFUSED" })))) // true
 * ```
 *
 * @category predicates
 * @since 0.1.0
 */
export const isWorthFallback = (exit: Exit.Exit<unknown, unknown>): boolean => {
  if (Exit.isSuccess(exit)) return false
  const failure = failureOf(exit.cause)
  return Fault.isFault(failure) && Failures.isWorthFallback(failure)
}

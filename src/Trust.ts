/**
 * What we believe of the other party's failures (Foolscap's trust modes). Every interpreter decodes
 * what the other side sent into a {@link Received} record, then turns it into a fault here:
 *
 * - `distrust` (the default): every remote failure becomes one `RemoteFault` carrying what was sent.
 *   A remote "NotFound" can never be caught by a handler meant for a local `NotFound`, and a
 *   compromised or buggy peer cannot steer our error handling by choosing codes.
 * - `trust` ("E mode"): a code the catalog knows is decoded back into its typed fault, marked as
 *   received (`origin: "remote"`), so APIs that use faults as part of their contract read naturally.
 *   Codes the catalog does not know, or fields that do not decode, still become a `RemoteFault`.
 *
 * @since 0.1.0
 */
import { Context, Layer, Result, Schema } from "effect"
import * as Catalog from "./Catalog.ts"
import * as Fault from "./Fault.ts"

/**
 * The trust mode.
 *
 * @example
 * ```ts
 * import { Trust } from "effect-faults"
 *
 * const mode: Trust.Mode = "distrust"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Mode = "distrust" | "trust"

/**
 * What a decoder read from the other party's failure, whatever the wire format.
 *
 * @example
 * ```ts
 * import { Trust } from "effect-faults"
 *
 * const r: Trust.Received = { code: "NotFound", message: "order '42' not found", status: 404, fields: { resource: "order", id: "42" } }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Received {
  readonly code: string
  readonly message?: string | undefined
  readonly status?: number | undefined
  readonly expected?: Fault.Expected | undefined
  readonly retryAfterMs?: number | undefined
  readonly correlationId?: string | undefined
  /** The fault's own fields as the other party encoded them. */
  readonly fields?: Readonly<Record<string, unknown>> | undefined
  readonly failure?: Fault.CopiedFailure | undefined
}

/**
 * How received failures are turned into faults.
 *
 * @example
 * ```ts
 * import { Catalog, Trust } from "effect-faults"
 *
 * const options: Trust.Options = { mode: "trust", catalog: Catalog.builtin, protocol: "http" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly mode: Mode
  readonly catalog: Catalog.Catalog
  /** Names the wire on `RemoteFault.protocol` (`http`, `json-rpc`, `grpc`, `amqp`…). */
  readonly protocol: string
}

/**
 * The trust mode in force; `distrust` by default.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Trust } from "effect-faults"
 *
 * const trusting = Effect.map(Trust.CurrentMode, (mode) => mode === "trust")
 * ```
 *
 * @category config
 * @since 0.1.0
 */
export const CurrentMode: Context.Reference<Mode> = Context.Reference<Mode>("effect-faults/Trust/Mode", {
  defaultValue: () => "distrust"
})

/**
 * Provides a trust mode for everything under it (interpreters also take it per client).
 *
 * @example
 * ```ts
 * import { Trust } from "effect-faults"
 *
 * const Trusting = Trust.layer("trust")
 * ```
 *
 * @category config
 * @since 0.1.0
 */
export const layer = (mode: Mode): Layer.Layer<never> => Layer.succeed(CurrentMode, mode)

/**
 * The `RemoteFault` that carries a received failure as is.
 *
 * @example
 * ```ts
 * import { Trust } from "effect-faults"
 *
 * const f = Trust.remote({ code: "NotFound", status: 404 }, "http")
 * console.log(f._tag, f.remoteCode) // "RemoteFault" "NotFound"
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const remote = (received: Received, protocol: string): Fault.RemoteFault =>
  new Fault.RemoteFault({
    remoteCode: received.code,
    remoteMessage: received.message,
    remoteStatus: received.status,
    remoteExpected: received.expected,
    protocol,
    failure: received.failure,
    retryAfterMs: received.retryAfterMs,
    correlationId: received.correlationId
  })

const decoders = new WeakMap<object, (u: unknown) => Result.Result<Fault.Fault, unknown>>()
const decoderOf = (faultClass: object) => {
  let decode = decoders.get(faultClass)
  if (decode === undefined) {
    // Fields arrive as JSON: decode through the class's canonical JSON codec (dates as strings…)
    decode = Schema.decodeUnknownResult(Schema.toCodecJson(faultClass as any) as any) as any
    decoders.set(faultClass, decode!)
  }
  return decode!
}

/**
 * Turns a received failure into a fault under the given trust options.
 *
 * @example
 * ```ts
 * import { Catalog, Trust } from "effect-faults"
 *
 * const received = { code: "NotFound", status: 404, fields: { id: "42" } }
 * console.log(Trust.toFault(received, { mode: "distrust", catalog: Catalog.builtin, protocol: "http" })._tag) // "RemoteFault"
 * console.log(Trust.toFault(received, { mode: "trust", catalog: Catalog.builtin, protocol: "http" })._tag) // "NotFound"
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const toFault = (received: Received, options: Options): Fault.Fault => {
  if (options.mode === "distrust") return remote(received, options.protocol)
  const faultClass = options.catalog.byCode.get(received.code)?.fault
  if (faultClass === undefined) return remote(received, options.protocol)
  const input: Record<string, unknown> = { ...received.fields, _tag: faultClass[Fault.TypeId].tag }
  if (received.message !== undefined) input.message = received.message
  if (received.retryAfterMs !== undefined) input.retryAfterMs = received.retryAfterMs
  if (received.correlationId !== undefined) input.correlationId = received.correlationId
  const result = decoderOf(faultClass)(input)
  return Result.isSuccess(result) ? Fault.received(result.success) : remote(received, options.protocol)
}

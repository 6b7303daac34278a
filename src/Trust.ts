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
import { SchemaJITCompiler } from "effect/schema"
import * as Catalog from "./Catalog.ts"
import * as Fault from "./Fault.ts"
import * as internal from "./internal/fault.ts"

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

// Per class, read once: its tag, its own field names, and how to check what arrived: when its fields
// are their own JSON form, a type guard over the class's whole field schema (the common fields
// included) compiled by Effect's `SchemaJITCompiler` (interpreted where `new Function` is blocked),
// after which the fast constructor builds the fault; else the class's canonical JSON codec.
interface Plan {
  readonly tag: string
  readonly names: ReadonlyArray<string>
  readonly check:
    | { readonly _tag: "Guard"; readonly is: (u: unknown) => boolean }
    | { readonly _tag: "Codec"; readonly decode: (u: unknown) => Result.Result<Fault.Fault, unknown> }
}
const plans = new WeakMap<object, Plan>()
const planOf = (faultClass: any): Plan => {
  let plan = plans.get(faultClass)
  if (plan === undefined) {
    let check: Plan["check"]
    if (internal.hasJsonFields(faultClass)) {
      const struct = Schema.Struct(faultClass.fields)
      SchemaJITCompiler.enable(struct.ast)
      check = { _tag: "Guard", is: Schema.is(struct) as (u: unknown) => boolean }
    } else {
      check = { _tag: "Codec", decode: Schema.decodeUnknownResult(Schema.toCodecJson(faultClass) as any) as any }
    }
    plan = { tag: faultClass[Fault.TypeId].tag, names: internal.fieldNames(faultClass), check }
    plans.set(faultClass, plan)
  }
  return plan
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
  const plan = planOf(faultClass)
  const check = plan.check
  // Only the class's own fields are taken from the other party: never a key it did not declare
  // (`code`, `__proto__`…), which could shadow what the fault says of itself.
  const input: Record<string, unknown> = { _tag: plan.tag }
  const fields = received.fields
  if (fields !== undefined) {
    const names = plan.names
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!
      if (Object.hasOwn(fields, name)) input[name] = fields[name]
    }
  }
  if (received.message !== undefined) input.message = received.message
  if (received.retryAfterMs !== undefined) input.retryAfterMs = received.retryAfterMs
  if (received.correlationId !== undefined) input.correlationId = received.correlationId
  if (check._tag === "Guard") {
    if (!check.is(input)) return remote(received, options.protocol)
    input.origin = "remote"
    return new (faultClass as any)(input)
  }
  const result = check.decode(input)
  return Result.isSuccess(result) ? Fault.received(result.success) : remote(received, options.protocol)
}

/**
 * Copies a failure so it can cross the wire (Foolscap's CopiedFailure): its type name, its message,
 * the names of its parent types, and a stack trace only when the sender allows it
 * (`Exposure.CurrentConfig.unsafeTracebacks`, off by default), truncated to about 2000 bytes keeping
 * the head and the tail.
 *
 * A copy is always taken of what the other party may see: a failure whose public view is redacted
 * (5xx faults, undeclared errors, defects) is copied as `InternalError` with the generic message, so
 * no password, connection string or token in its message or cause ever crosses.
 *
 * @since 0.1.0
 */
import * as Exposure from "../Exposure.ts"
import * as Fault from "../Fault.ts"

/**
 * The names of the classes `failure` inherits from, nearest first, without itself, `Object` and the
 * anonymous classes a class factory leaves in the chain.
 *
 * @example
 * ```ts
 * import { CopiedFailure } from "effect-faults/rpc"
 *
 * console.log(CopiedFailure.parentsOf(new TypeError("x"))) // ["Error"]
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const parentsOf = (failure: unknown): Array<string> => {
  if (typeof failure !== "object" || failure === null) return []
  const proto = Object.getPrototypeOf(failure)
  if (proto === null) return []
  // the chain is a property of the class: walk it once per class
  let cached = parentsByProto.get(proto)
  if (cached === undefined) {
    cached = walkParents(failure)
    parentsByProto.set(proto, cached)
  }
  return cached.slice()
}

const parentsByProto = new WeakMap<object, ReadonlyArray<string>>()

const walkParents = (failure: object): Array<string> => {
  const out: Array<string> = []
  const own = typeNameOf(failure)
  // the first prototype is the failure's own class
  let proto = Object.getPrototypeOf(Object.getPrototypeOf(failure) ?? Object.prototype)
  for (let depth = 0; proto !== null && depth < 32; depth++) {
    const ctor = Object.prototype.hasOwnProperty.call(proto, "constructor") ? proto.constructor : undefined
    const name = typeof ctor === "function" ? ctor.name : undefined
    // class factories (Schema.TaggedError, Fault.define) leave anonymous or generic bases behind
    if (
      typeof name === "string" && /^[A-Z]/.test(name) && name !== own && name !== "Object" &&
      name !== "FaultBase" && name !== "Base" && !out.includes(name)
    ) out.push(name)
    proto = Object.getPrototypeOf(proto)
  }
  return out
}

/**
 * The type name of a failure: a fault's tag, an error's `name`, or `typeof` for anything else.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 * import { CopiedFailure } from "effect-faults/rpc"
 *
 * console.log(CopiedFailure.typeNameOf(new Fault.NotFound({}))) // "NotFound"
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const typeNameOf = (failure: unknown): string => {
  if (Fault.isFault(failure)) return failure._tag
  if (failure instanceof Error) {
    // `class RecordMissing extends Error {}` keeps the name "Error": its class says more
    const ctor = failure.constructor?.name
    return failure.name === "Error" && typeof ctor === "string" && ctor !== "" ? ctor : failure.name
  }
  if (typeof failure === "object" && failure !== null) {
    const ctor = (failure as { constructor?: { name?: unknown } }).constructor
    return typeof ctor?.name === "string" && ctor.name !== "" ? ctor.name : "Object"
  }
  return typeof failure
}

const redactedParents: ReadonlyArray<string> = parentsOf(new Fault.InternalError({}))

/**
 * Copies a failure for the other party. Pass the public view already computed for it to avoid a
 * second one; the trace goes along when that view has one (the config's `unsafeTracebacks`).
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 * import { CopiedFailure } from "effect-faults/rpc"
 *
 * const c = CopiedFailure.make(new Fault.NotFound({ resource: "record", id: "7" }))
 * console.log(c.type, c.message) // "NotFound" "record '7' not found"
 * const d = CopiedFailure.make(new Error("password=hunter2"))
 * console.log(d.type, d.message) // "InternalError" "Internal error"
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (
  failure: unknown,
  options?: {
    readonly view?: Exposure.PublicView | undefined
    readonly config?: Exposure.Config | undefined
  }
): Fault.CopiedFailure => {
  const config = options?.config ?? Exposure.defaultConfig
  const view = options?.view ?? Exposure.view(failure, { config })
  // the view already carries the (truncated) trace when the config allows one: no second walk
  const trace = view.trace
  if (view.redacted) {
    return trace === undefined
      ? { type: view.code, message: view.message, parents: redactedParents }
      : { type: view.code, message: view.message, parents: redactedParents, trace }
  }
  const copy = { type: typeNameOf(failure), message: view.message, parents: parentsOf(failure) }
  return trace === undefined ? copy : { ...copy, trace }
}

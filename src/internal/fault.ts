/**
 * The machinery behind `Fault.define`: one prototype mixin that derives a fault's metadata from its
 * class descriptor, and a constructor that skips V8 stack capture for faults that are part of an API.
 *
 * @internal
 */
import type { LogLevel, Schema } from "effect"
import { ErrorReporter, Predicate, SchemaAST } from "effect"

/** @internal */
export const TypeId = "~effect-faults/Fault" as const

/** @internal */
export const isFault = (u: unknown): u is { readonly [TypeId]: DescriptorShape } => Predicate.hasProperty(u, TypeId)

/** @internal */
export interface DialectShape {
  readonly code?: string | undefined
  readonly status?: number | undefined
  readonly message?: string | undefined
  readonly logLevel?: LogLevel.LogLevel | undefined
}

/** @internal */
export interface DescriptorShape {
  readonly tag: string
  readonly code: string
  readonly category: string
  readonly side: string | ((self: any) => string)
  readonly expected: string | ((self: any) => string)
  readonly status: number | ((self: any) => number)
  readonly title: string
  readonly message: ((self: any) => string) | undefined
  readonly public: boolean
  readonly stack: boolean
  readonly dialects: Readonly<Record<string, DialectShape>>
  readonly description: string | undefined
}

/**
 * An event id stable per code (FNV-1a, 32 bits, as 8 hex digits): the same code always logs under the
 * same id, so operators can search and alert on it whatever the message says.
 *
 * @internal
 */
export const eventIdOf = (code: string): string => {
  let h = 0x811c9dc5
  for (let i = 0; i < code.length; i++) {
    h ^= code.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return (h >>> 0).toString(16).padStart(8, "0")
}

/** Splits `InvalidFieldValue` / `Invalid_Field` into "Invalid field value". @internal */
export const titleFromTag = (tag: string): string => {
  const words = tag.replace(/_/g, " ").replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .trim().split(/\s+/)
  return words.map((w, i) => i === 0 ? w : /^[A-Z0-9]+$/.test(w) && w.length > 1 ? w : w.toLowerCase()).join(" ")
}

/** The Nova/EC2 rule: the code is the class name with `_` turned into `.`. @internal */
export const codeFromTag = (tag: string): string => tag.replace(/_/g, ".")

const ownValue = (self: object, key: PropertyKey, value: unknown, enumerable: boolean) =>
  Object.defineProperty(self, key, { value, writable: true, enumerable, configurable: true })

/**
 * Where an instance keeps what is not one of its fields: an explicit message, its local cause, a
 * received origin, an overridden expectation. A symbol-keyed property costs a plain store, where `Object.defineProperty` of a
 * non-enumerable own property (the usual way to hide it) costs ten times more, on every fault
 * built with a message and every fault received from another party; like a non-enumerable
 * property it stays out of `Object.keys`, `for…in` and `JSON.stringify`, so a fault's fields are
 * still exactly its fields.
 *
 * @internal
 */
export const slots = {
  message: Symbol.for("effect-faults/Fault/message"),
  cause: Symbol.for("effect-faults/Fault/cause"),
  origin: Symbol.for("effect-faults/Fault/origin"),
  expected: Symbol.for("effect-faults/Fault/expected")
} as const

const slotKeys: ReadonlyArray<symbol> = [slots.message, slots.cause, slots.origin, slots.expected]

/**
 * Properties every fault instance reads from its class descriptor. Installed once per class on its
 * prototype, so an instance holds nothing but its own fields.
 *
 * @internal
 */
export const installProto = (proto: object, descriptor: DescriptorShape): void => {
  // Effect's errors print (and log) what `toJSON` returns: the slots stay out of it, as before
  const inheritedToJSON = (proto as { toJSON?: () => unknown }).toJSON
  Object.defineProperties(proto, {
    [TypeId]: { value: descriptor, enumerable: false, configurable: true },
    code: { get: () => descriptor.code, enumerable: false, configurable: true },
    category: { get: () => descriptor.category, enumerable: false, configurable: true },
    title: { get: () => descriptor.title, enumerable: false, configurable: true },
    side: {
      get: typeof descriptor.side === "function" ?
        function(this: any) {
          return (descriptor.side as (self: any) => string)(this)
        } :
        () => descriptor.side,
      enumerable: false,
      configurable: true
    },
    // an override (`Fault.withExpected`) wins over what the class says
    expected: {
      get: typeof descriptor.expected === "function" ?
        function(this: any) {
          return this[slots.expected] ?? (descriptor.expected as (self: any) => string)(this)
        } :
        function(this: any) {
          return this[slots.expected] ?? descriptor.expected
        },
      enumerable: false,
      configurable: true
    },
    status: {
      get: typeof descriptor.status === "function" ?
        function(this: any) {
          return (descriptor.status as (self: any) => number)(this)
        } :
        () => descriptor.status,
      enumerable: false,
      configurable: true
    },
    origin: {
      get(this: any) {
        return this[slots.origin] ?? "local"
      },
      set(this: any, value: unknown) {
        this[slots.origin] = value
      },
      enumerable: false,
      configurable: true
    },
    cause: {
      get(this: any) {
        return this[slots.cause]
      },
      set(this: any, value: unknown) {
        this[slots.cause] = value
      },
      enumerable: false,
      configurable: true
    },
    toJSON: {
      value: function(this: any) {
        const json = typeof inheritedToJSON === "function" ? inheritedToJSON.call(this) : { ...this }
        if (typeof json === "object" && json !== null) { for (const key of slotKeys) delete json[key] }
        return json
      },
      writable: true,
      enumerable: false,
      configurable: true
    },
    eventId: { value: eventIdOf(descriptor.code), enumerable: false, configurable: true },
    // Effect's own ErrorReporter: client faults are answers, not incidents; server faults are errors.
    [ErrorReporter.ignore]: {
      get(this: any) {
        return this.status < 500
      },
      enumerable: false,
      configurable: true
    },
    [ErrorReporter.severity]: {
      get(this: any) {
        return this.status < 500 ? "Info" : "Error"
      },
      enumerable: false,
      configurable: true
    },
    [ErrorReporter.attributes]: {
      get(this: any) {
        return {
          faultCode: descriptor.code,
          eventId: this.eventId,
          category: descriptor.category,
          origin: this.origin,
          ...(this.correlationId === undefined ? {} : { correlationId: this.correlationId })
        }
      },
      enumerable: false,
      configurable: true
    },
    // A default message derived from the fields, unless the fault was given one.
    message: {
      get(this: any) {
        const own = this[slots.message]
        if (own !== undefined) return own
        return descriptor.message === undefined ? descriptor.title : descriptor.message(this)
      },
      set(this: any, value: unknown) {
        // `undefined` (an absent optional field assigned by a constructor) keeps the derived message
        this[slots.message] = value
      },
      enumerable: false,
      configurable: true
    },
    // Faults built without a V8 capture still answer `.stack` the way an Error does, minus frames.
    stack: {
      get(this: any) {
        return `${this.name}: ${this.message}`
      },
      set(this: any, value: unknown) {
        ownValue(this, "stack", value, false)
      },
      enumerable: false,
      configurable: true
    }
  })
}

/**
 * Builds an instance of `Class` without calling the `Error` constructor: no V8 stack capture and no
 * second validation of input the type system (or a Schema decode) has already checked.
 *
 * @internal
 */
export const construct = (proto: object, tag: string, props: Record<string, unknown> | undefined): any => {
  const self = Object.create(proto)
  self._tag = tag
  if (props !== undefined) assign(self, props)
  return self
}

/** @internal */
export const assign = (self: any, props: Record<string, unknown>): void => {
  for (const key in props) {
    const value = props[key]
    if (value === undefined) continue
    if (key === "cause" || key === "message" || key === "origin") self[slots[key]] = value
    else if (key !== "_tag") self[key] = value
  }
}

/** The props a Schema constructor accepts: everything but the local-only keys. @internal */
export const schemaProps = (props: Record<string, unknown> | undefined): Record<string, unknown> | undefined => {
  if (props === undefined || (!("cause" in props) && !("origin" in props))) return props
  const { cause: _cause, origin: _origin, ...rest } = props
  return rest
}

// A field whose encoded form is its value (strings, numbers, arrays and structs of them) is already
// JSON: it can be copied out as is and checked in with a type guard. Anything with a transformation
// (dates, branded codecs) goes through the class's canonical JSON codec.
const isIdentity = (ast: SchemaAST.AST): boolean => {
  if (ast.encoding !== undefined) return false
  switch (ast._tag) {
    case "Objects":
      return ast.propertySignatures.every((p) => isIdentity(p.type)) &&
        ast.indexSignatures.every((i) => isIdentity(i.type))
    case "Arrays":
      return ast.elements.every(isIdentity) && ast.rest.every(isIdentity)
    case "Union":
      return ast.types.every(isIdentity)
    case "Declaration":
    case "Suspend":
      return false
    default:
      return true
  }
}

const jsonFields = new WeakMap<object, boolean>()

/** Whether every schema field of a fault class is its own JSON form. @internal */
export const hasJsonFields = (faultClass: object): boolean => {
  let cached = jsonFields.get(faultClass)
  if (cached === undefined) {
    const fields = (faultClass as { readonly fields?: Record<string, Schema.Top> }).fields
    cached = fields === undefined || Object.values(fields).every((f) => isIdentity(f.ast))
    jsonFields.set(faultClass, cached)
  }
  return cached
}

const fieldNamesCache = new WeakMap<object, ReadonlyArray<string>>()

/** The names of a fault class's own schema fields: no tag, no common fields. @internal */
export const fieldNames = (faultClass: object): ReadonlyArray<string> => {
  let names = fieldNamesCache.get(faultClass)
  if (names === undefined) {
    const fields = (faultClass as { readonly fields?: Record<string, unknown> }).fields ?? {}
    names = Object.keys(fields).filter((n) =>
      n !== "_tag" && n !== "message" && n !== "retryAfterMs" && n !== "correlationId"
    )
    fieldNamesCache.set(faultClass, names)
  }
  return names
}

/**
 * What happens to a message whose handler failed, decided by the fault. The default mapping follows
 * the Helsenorge messaging design: tell the sender what it can fix, retry what may pass later, leave
 * on the queue what nobody expected, dead-letter the rest — and never lose a message.
 *
 * | fault | disposition |
 * |---|---|
 * | `NotWellFormed`, `SchemaViolation`, `ContentTooLarge` (the message itself is bad) | notify sender, `transport:not-well-formed-xml` |
 * | `ContentTooLarge` otherwise (a body too large never fits, however long one waits) | dead letter |
 * | `InvalidFieldValue` | notify sender, `transport:invalid-field-value` (ExpectedValue / ReceivedValue) |
 * | `CertificateExpired` | notify sender, `transport:expired-certificate` |
 * | `SignatureMissing`, `SignatureInvalid`, `FingerprintMismatch` | notify sender, `transport:invalid-certificate` |
 * | `TellSender` (raised by the handler on purpose) | notify sender, `transport:internal-error` |
 * | expected `RetryNow`, `RetryLater`, `ReconnectAndRetry`, `TryAlternative` | retry later (backoff, then dead letter) |
 * | expected `FixRequest`, `DoNotRetry`, `Reauthenticate` (not listed above) | dead letter |
 * | anything else (`InternalError`, defects, `CallOperator`) | leave on the queue, redelivered later |
 *
 * @since 0.1.0
 */
import { Context, Duration, Effect, Schedule, Schema } from "effect"
import * as Fault from "../Fault.ts"
import * as Policy from "../Policy.ts"

/**
 * The schema of {@link ErrorCondition}.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Disposition } from "effect-faults/queue"
 *
 * console.log(Schema.is(Disposition.ErrorConditionSchema)("transport:internal-error")) // true
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const ErrorConditionSchema = Schema.Literals([
  "transport:not-well-formed-xml",
  "transport:invalid-field-value",
  "transport:internal-error",
  "transport:expired-certificate",
  "transport:invalid-certificate"
])

/**
 * The error conditions an error message carries (the Helsenorge `errorCondition` values).
 *
 * @example
 * ```ts
 * import type { Disposition } from "effect-faults/queue"
 *
 * const c: Disposition.ErrorCondition = "transport:invalid-field-value"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type ErrorCondition = typeof ErrorConditionSchema.Type

/**
 * What to do with one failed message.
 *
 * - `Ack`: remove it (handled, or deliberately dropped — with a log line);
 * - `RetryLater`: back on its queue after a delay (the given one, else the fault's `retryAfterMs`,
 *   else the backoff), its attempt count in a header; after the last attempt, dead letter;
 * - `DeadLetter`: to the consumer's error queue with the failure headers;
 * - `NotifySender`: an error message to the sender's reply address, then removed (dead-lettered when
 *   the message names no reply address: nothing is lost);
 * - `Leave`: back on its queue untouched and unannounced, redelivered after the lock delay (as a
 *   Service Bus lock expiring); after `maxDeliveries` it is dead-lettered.
 *
 * @example
 * ```ts
 * import { Disposition } from "effect-faults/queue"
 *
 * const d: Disposition.Disposition = Disposition.retryLater(5_000)
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Disposition =
  | { readonly _tag: "Ack"; readonly reason?: string | undefined }
  | { readonly _tag: "RetryLater"; readonly delayMs?: number | undefined }
  | { readonly _tag: "DeadLetter" }
  | { readonly _tag: "NotifySender"; readonly errorCondition: ErrorCondition }
  | { readonly _tag: "Leave" }

/**
 * Remove the message (handled, or dropped on purpose).
 *
 * @example
 * ```ts
 * import { Disposition } from "effect-faults/queue"
 *
 * const drop = Disposition.ack("duplicate order")
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const ack = (reason?: string): Disposition => ({ _tag: "Ack", reason })

/**
 * Retry after a delay (default: the fault's `retryAfterMs`, else the backoff).
 *
 * @example
 * ```ts
 * import { Disposition } from "effect-faults/queue"
 *
 * const later = Disposition.retryLater()
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const retryLater = (delayMs?: number): Disposition => ({ _tag: "RetryLater", delayMs })

/**
 * To the error queue, with failure headers.
 *
 * @example
 * ```ts
 * import { Disposition } from "effect-faults/queue"
 *
 * const d = Disposition.deadLetter
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const deadLetter: Disposition = { _tag: "DeadLetter" }

/**
 * Send an error message to the sender.
 *
 * @example
 * ```ts
 * import { Disposition } from "effect-faults/queue"
 *
 * const d = Disposition.notifySender("transport:internal-error")
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const notifySender = (errorCondition: ErrorCondition): Disposition => ({ _tag: "NotifySender", errorCondition })

/**
 * Leave on the queue, to be redelivered later, without telling anyone.
 *
 * @example
 * ```ts
 * import { Disposition } from "effect-faults/queue"
 *
 * const d = Disposition.leave
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const leave: Disposition = { _tag: "Leave" }

/**
 * A fault a handler raises to tell the sender something went wrong on our side that it should know
 * about (Helsenorge's `NotifySenderException`): the sender gets `transport:internal-error` with this
 * message, which is public by design.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Disposition } from "effect-faults/queue"
 *
 * const handler = Effect.fail(new Disposition.TellSender({ message: "patient is not registered with this GP" }))
 * ```
 *
 * @category faults
 * @since 0.1.0
 */
export class TellSender extends Fault.define<TellSender>()("TellSender", {}, {
  category: "application",
  expected: "FixRequest",
  status: 422,
  public: true,
  title: "Reported to sender",
  code: "Queue.TellSender"
}) {}

/**
 * Overrides per fault tag (or code): a disposition, or a function of the fault (`undefined` falls
 * back to the default).
 *
 * @example
 * ```ts
 * import { Disposition } from "effect-faults/queue"
 *
 * const overrides: Disposition.Overrides = { NotFound: Disposition.ack("already gone"), Conflict: () => Disposition.retryLater(1000) }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Overrides = Readonly<
  Record<string, Disposition | ((fault: Fault.Fault) => Disposition | undefined)>
>

/**
 * The default mapping (the table at the top of this module).
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 * import { Disposition } from "effect-faults/queue"
 *
 * console.log(Disposition.defaultFor(new Fault.InvalidFieldValue({ field: "nin", expectedValue: "11 digits", receivedValue: "12" })))
 * // { _tag: "NotifySender", errorCondition: "transport:invalid-field-value" }
 * ```
 *
 * @category mapping
 * @since 0.1.0
 */
export const defaultFor = (fault: Fault.Fault): Disposition => {
  switch (fault._tag) {
    case "NotWellFormed":
    case "SchemaViolation":
      // Only what is wrong with the message we received is the sender's to fix. The rest goes by
      // `expected`: a response we could not read (inbound, TryAlternative) is retried; a fault another
      // party reported about its own input (outbound, remote, FixRequest) is dead-lettered.
      if ((fault as Fault.NotWellFormed).direction === "outbound" && fault.origin === "local") {
        return notifySender("transport:not-well-formed-xml")
      }
      break
    case "ContentTooLarge":
      // Like a malformed message, one too large is the sender's to fix; an answer too large for us, or
      // another party's report that ours was, will not shrink by waiting: no retry.
      return (fault as Fault.ContentTooLarge).direction === "outbound" && fault.origin === "local"
        ? notifySender("transport:not-well-formed-xml")
        : deadLetter
    case "InvalidFieldValue":
      return notifySender("transport:invalid-field-value")
    case "CertificateExpired":
      return notifySender("transport:expired-certificate")
    case "SignatureMissing":
    case "SignatureInvalid":
    case "FingerprintMismatch":
      return notifySender("transport:invalid-certificate")
    case "TellSender":
      return notifySender("transport:internal-error")
  }
  if (fault.category === "internal") return leave
  switch (fault.expected) {
    case "RetryNow":
    case "RetryLater":
    case "ReconnectAndRetry":
    case "TryAlternative":
      return retryLater()
    case "FixRequest":
    case "DoNotRetry":
    case "Reauthenticate":
      return deadLetter
    default:
      return leave
  }
}

/**
 * Decides the disposition of a failure: the override for its tag or code first, else the default.
 * A failure that is not a fault (a defect) is left on the queue.
 *
 * @example
 * ```ts
 * import { Fault } from "effect-faults"
 * import { Disposition } from "effect-faults/queue"
 *
 * const d = Disposition.decide(new Fault.NotFound({}), { NotFound: Disposition.ack("gone") }) // Ack
 * ```
 *
 * @category mapping
 * @since 0.1.0
 */
export const decide = (failure: unknown, overrides?: Overrides): Disposition => {
  if (!Fault.isFault(failure)) return leave
  if (overrides !== undefined) {
    const o = Object.hasOwn(overrides, failure._tag)
      ? overrides[failure._tag]
      : Object.hasOwn(overrides, failure.code)
      ? overrides[failure.code]
      : undefined
    const chosen = typeof o === "function" ? o(failure) : o
    if (chosen !== undefined) return chosen
  }
  return defaultFor(failure)
}

/**
 * How retries and redeliveries are paced and capped.
 *
 * @example
 * ```ts
 * import { Disposition } from "effect-faults/queue"
 *
 * const fast: Disposition.Pacing = { ...Disposition.defaultPacing, maxAttempts: 3 }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Pacing {
  /** Attempts in all (the first delivery counts): after the last, dead letter. */
  readonly maxAttempts: number
  /** Delay before attempt `attempt + 1` (attempt ≥ 1), when the fault names none. */
  readonly delay: (attempt: number, fault: Fault.Fault | undefined) => Effect.Effect<Duration.Duration>
  /** How long a left message stays invisible before it is redelivered (a lock duration). */
  readonly leaveDelay: Duration.Duration
  /** Deliveries of a left message before it is dead-lettered (Service Bus MaxDeliveryCount). */
  readonly maxDeliveries: number
}

/**
 * Exponential backoff: `base * factor^(attempt-1)`, capped at `max`. A stand-in for the policy
 * module's backoff, kept behind this one function so it can be swapped.
 *
 * @example
 * ```ts
 * import { Duration } from "effect"
 * import { Disposition } from "effect-faults/queue"
 *
 * const d = Disposition.backoff({ base: Duration.seconds(1), factor: 2, max: Duration.minutes(5) })
 * const third = d(3, undefined) // Effect of 4 seconds
 * ```
 *
 * @category pacing
 * @since 0.1.0
 */
export const backoff = (options: {
  readonly base: Duration.Duration
  readonly factor: number
  readonly max: Duration.Duration
}) =>
(attempt: number, _fault: Fault.Fault | undefined): Effect.Effect<Duration.Duration> => {
  const ms = Duration.toMillis(options.base) * Math.pow(options.factor, Math.max(0, attempt - 1))
  return Effect.succeed(Duration.millis(Math.min(ms, Duration.toMillis(options.max))))
}

/**
 * Pacing delays from any retry `Schedule` (for instance `Policy.backoff`, jitter included): the delay
 * before attempt `n + 1` is the schedule's `n`-th delay. A message carries only its attempt count
 * (it may be retried by another process), so the schedule is replayed from the start each time.
 * When the schedule ends, its last delay is kept.
 *
 * @example
 * ```ts
 * import { Policy } from "effect-faults"
 * import { Disposition } from "effect-faults/queue"
 *
 * const delay = Disposition.fromSchedule(Policy.backoff({ base: "1 second", cap: "5 minutes", jitter: "full" }))
 * ```
 *
 * @category pacing
 * @since 0.1.0
 */
export const fromSchedule =
  (schedule: Schedule.Schedule<unknown, Fault.Fault>) =>
  (attempt: number, fault: Fault.Fault | undefined): Effect.Effect<Duration.Duration> =>
    Effect.gen(function*() {
      const step = yield* Schedule.toStep(schedule)
      const input = fault ?? new Fault.Unavailable({})
      let last = Duration.zero
      for (let i = 0; i < Math.min(Math.max(1, attempt), 64); i++) {
        const next = yield* Effect.exit(step(0, input))
        if (next._tag === "Failure") break
        last = next.value[1]
      }
      return last
    }).pipe(Effect.catchCause(() => Effect.succeed(Duration.zero)))

/**
 * The default pacing: 5 attempts, delays from `Policy.backoff` (1 s doubling, capped at 5 min, full
 * jitter, so that a burst of failures does not come back as a burst); left messages come back after
 * 30 s, up to 10 deliveries.
 *
 * @example
 * ```ts
 * import { Disposition } from "effect-faults/queue"
 *
 * console.log(Disposition.defaultPacing.maxAttempts) // 5
 * ```
 *
 * @category pacing
 * @since 0.1.0
 */
export const defaultPacing: Pacing = {
  maxAttempts: 5,
  delay: fromSchedule(Policy.backoff({ base: "1 second", cap: "5 minutes", jitter: "full" })),
  leaveDelay: Duration.seconds(30),
  maxDeliveries: 10
}

/**
 * The pacing in effect for consumers that do not pass their own.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Disposition } from "effect-faults/queue"
 *
 * const quick = Effect.provideService(Disposition.CurrentPacing, { ...Disposition.defaultPacing, maxAttempts: 2 })
 * ```
 *
 * @category pacing
 * @since 0.1.0
 */
export const CurrentPacing: Context.Reference<Pacing> = Context.Reference<Pacing>(
  "effect-faults/queue/Disposition/Pacing",
  { defaultValue: () => defaultPacing }
)

/**
 * The delay before the next attempt: the disposition's, else the fault's `retryAfterMs`, else the
 * pacing's backoff.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Fault } from "effect-faults"
 * import { Disposition } from "effect-faults/queue"
 *
 * const ms = Disposition.retryDelayMs(Disposition.retryLater(), new Fault.RateLimited({ retryAfterMs: 2500 }), 1, Disposition.defaultPacing)
 * Effect.runPromise(ms).then(console.log) // 2500
 * ```
 *
 * @category pacing
 * @since 0.1.0
 */
export const retryDelayMs = (
  disposition: Disposition,
  fault: Fault.Fault | undefined,
  attempt: number,
  pacing: Pacing
): Effect.Effect<number> => {
  if (disposition._tag === "RetryLater" && disposition.delayMs !== undefined) {
    return Effect.succeed(Math.max(0, disposition.delayMs))
  }
  if (disposition._tag === "Leave") return Effect.succeed(Duration.toMillis(pacing.leaveDelay))
  const after = fault?.retryAfterMs
  if (after !== undefined && Number.isFinite(after) && after >= 0) return Effect.succeed(after)
  return Effect.map(pacing.delay(attempt, fault), Duration.toMillis)
}

/**
 * The faults of a broker connection, shared by the drivers: a connect that fails is `Unreachable`
 * (nothing was sent), anything failing after it is `ConnectionLost` in phase `MaybeDelivered`
 * (a publish may have reached the broker before its confirm was lost).
 */
import { Effect } from "effect"
import * as Fault from "../../Fault.ts"

const reasonOf = (cause: unknown, fallback: string): string => cause instanceof Error ? cause.message : fallback

/** @internal */
export const faults = (host: string | undefined, closed: string) => {
  const lost = (cause: unknown): Fault.ConnectionLost =>
    new Fault.ConnectionLost({ host, reason: reasonOf(cause, closed), phase: "MaybeDelivered", cause })
  return {
    lost,
    /** A promise after the connect; its rejection is `ConnectionLost`. */
    attempt: <A>(f: () => Promise<A>): Effect.Effect<A, Fault.ConnectionLost> =>
      Effect.tryPromise({ try: f, catch: lost }),
    /** The connect itself; its rejection is `Unreachable`. */
    connect: <A>(f: () => Promise<A>): Effect.Effect<A, Fault.Unreachable> =>
      Effect.tryPromise({
        try: f,
        catch: (cause) => new Fault.Unreachable({ host, reason: reasonOf(cause, "connect failed"), cause })
      })
  }
}

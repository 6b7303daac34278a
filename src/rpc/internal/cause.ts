/**
 * The failure a cause stands for, shared by the servers and clients of every RPC interpreter.
 *
 * @internal
 */
import type { Cause } from "effect"

/**
 * The first failure of a cause, or its first defect as it is (the public view redacts it);
 * `undefined` when the cause holds neither (interrupted only).
 *
 * @internal
 */
export const failureOf = (cause: Cause.Cause<unknown>): unknown => {
  for (const reason of cause.reasons) {
    if (reason._tag === "Fail") return reason.error
    if (reason._tag === "Die") return reason.defect
  }
  return undefined
}

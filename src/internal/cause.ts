/**
 * The failure a cause stands for, shared by every interpreter that answers one (the HTTP middleware,
 * the RPC servers and clients).
 *
 * @internal
 */
import { Cause } from "effect"

/**
 * The first typed failure of a cause, else its first defect (as it is: the public view redacts it),
 * saying which; `undefined` when the cause holds neither (interrupted only). A typed failure wins
 * over a defect listed before it, as `Cause.squash` decides.
 *
 * @internal
 */
export const firstFailure = (
  cause: Cause.Cause<unknown>
): { readonly value: unknown; readonly defect: boolean } | undefined => {
  let die: { readonly value: unknown; readonly defect: boolean } | undefined
  for (const reason of cause.reasons) {
    if (Cause.isFailReason(reason)) return { value: reason.error, defect: false }
    if (die === undefined && Cause.isDieReason(reason)) die = { value: reason.defect, defect: true }
  }
  return die
}

/**
 * The value of {@link firstFailure}, or `undefined` for an interruption.
 *
 * @internal
 */
export const failureOf = (cause: Cause.Cause<unknown>): unknown => firstFailure(cause)?.value

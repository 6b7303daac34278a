/**
 * The EC2 error response of the Nova/EC2 error-code design:
 *
 * ```xml
 * <?xml version="1.0" encoding="UTF-8"?>
 * <Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>…</Message></Error></Errors><RequestID>…</RequestID></Response>
 * ```
 *
 * `RequestID` is the correlation id. With `prefix: true` the code carries EC2's `Client.`/`Server.`
 * prefix from the fault's side. Codes follow the `_` → `.` rule of `Fault.define`, and a fault class
 * may override code, status and message for this dialect under the name `ec2`. All text is escaped;
 * characters XML cannot carry are dropped. A fault's public fields travel in an extra `<Details>`
 * element (JSON) that EC2 clients ignore; turn it off with `details: false`.
 *
 * @since 0.1.0
 */
import type * as Exposure from "../Exposure.ts"
import * as xml from "../internal/xml.ts"
import type * as Trust from "../Trust.ts"
import type * as Dialect from "./Dialect.ts"
import * as read from "./internal/read.ts"
import * as wire from "./internal/wire.ts"

/**
 * The media type written: `application/xml`.
 *
 * @example
 * ```ts
 * import { Ec2 } from "effect-faults/http"
 *
 * console.log(Ec2.contentType) // "application/xml"
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const contentType = "application/xml"

/**
 * Options of {@link make}.
 *
 * @example
 * ```ts
 * import { Ec2 } from "effect-faults/http"
 *
 * const options: Ec2.Options = { prefix: true }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** Prefix codes with `Client.` or `Server.` from the fault's side. Default false. */
  readonly prefix?: boolean | undefined
  /** Write the `<Details>` element with the public fields. Default true. */
  readonly details?: boolean | undefined
}

/**
 * The XML document of a public view.
 *
 * @example
 * ```ts
 * import { Exposure, Fault } from "effect-faults"
 * import { Ec2 } from "effect-faults/http"
 *
 * console.log(Ec2.toXml(Exposure.view(new Fault.NotFound({}), { correlationId: "r-1" })))
 * // <?xml version="1.0" encoding="UTF-8"?>
 * // <Response><Errors><Error><Code>NotFound</Code><Message>resource not found</Message></Error></Errors><RequestID>r-1</RequestID></Response>
 * ```
 *
 * @category encoding
 * @since 0.1.0
 */
export const toXml = (view: Exposure.PublicView, options?: Options): string => {
  const code = options?.prefix === true ? `${view.side === "client" ? "Client" : "Server"}.${view.code}` : view.code
  let details = ""
  if (options?.details !== false) {
    const extra: Record<string, unknown> = {}
    let any = false
    if (view.fields !== undefined && Object.keys(view.fields).length > 0) {
      extra.fields = view.fields
      any = true
    }
    if (view.retryAfterMs !== undefined) {
      extra.retryAfter = view.retryAfterMs / 1000
      any = true
    }
    if (any) details = `<Details>${xml.escape(JSON.stringify(extra))}</Details>`
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${xml.escape(code)}</Code><Message>${
    xml.escape(view.message)
  }</Message>${details}</Error></Errors><RequestID>${xml.escape(view.correlationId ?? "")}</RequestID></Response>`
}

const stripPrefix = (code: string): string =>
  code.startsWith("Client.") ? code.slice(7) : code.startsWith("Server.") ? code.slice(7) : code

/**
 * Builds the EC2 XML dialect.
 *
 * @example
 * ```ts
 * import { Ec2 } from "effect-faults/http"
 *
 * const prefixed = Ec2.make({ prefix: true })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (
  options?: Options
): Dialect.Dialect & { readonly encode: (view: Exposure.PublicView) => Dialect.Encoded } => ({
  name: "ec2",
  contentType,
  accepts: (media) => media === contentType || media === "text/xml",
  encode: (view) => ({ status: view.status, contentType, body: toXml(view, options) }),
  decode: (incoming): Trust.Received | undefined => {
    const body = incoming.body
    if (body.indexOf("<Response>") === -1 || body.indexOf("<Errors>") === -1) return undefined
    // the inner elements are read from the raw (still escaped) Error element
    const error = xml.element(body, "Error")
    if (error === undefined) return undefined
    const raw = error.raw
    const code = xml.text(raw, "Code", { exact: true })
    if (code === undefined || code.length === 0) return undefined
    const received: { -readonly [K in keyof Trust.Received]: Trust.Received[K] } = {
      code: stripPrefix(code),
      status: incoming.status
    }
    const message = xml.text(raw, "Message", { exact: true })
    if (message !== undefined) received.message = message
    const requestId = xml.text(body, "RequestID") ?? xml.text(body, "RequestId")
    if (requestId !== undefined && requestId.length > 0) received.correlationId = requestId
    const detailsText = xml.text(raw, "Details", { exact: true })
    const details = detailsText === undefined ? undefined : wire.parseObject(detailsText)
    if (details !== undefined && read.isRecord(details.fields)) received.fields = details.fields
    // the body's own; `Client.decode` falls back on the Retry-After header
    const retryAfterMs = details === undefined ? undefined : wire.secondsToMs(details.retryAfter)
    if (retryAfterMs !== undefined) received.retryAfterMs = retryAfterMs
    return received
  }
})

/**
 * The EC2 XML dialect without prefixes.
 *
 * @example
 * ```ts
 * import { Exposure, Fault } from "effect-faults"
 * import { Ec2 } from "effect-faults/http"
 *
 * const res = Ec2.dialect.encode(Exposure.view(new Fault.Forbidden({ action: "terminate" }), { dialect: "ec2" }))
 * console.log(res.status, res.contentType) // 403 "application/xml"
 * ```
 *
 * @category dialects
 * @since 0.1.0
 */
export const dialect: Dialect.Dialect & { readonly encode: (view: Exposure.PublicView) => Dialect.Encoded } = make()

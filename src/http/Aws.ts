/**
 * Reads AWS error responses (decode only): the XML errors of EC2 (`<Response><Errors><Error>`), S3
 * (`<Error><Code>`) and the Query APIs (`<ErrorResponse><Error><Type><Code>`), and the JSON errors
 * of the JSON protocols (`__type`, `x-amzn-ErrorType`, `message`). The AWS code (`NoSuchKey`,
 * `ThrottlingException`…) becomes the received code; the request id becomes the correlation id.
 *
 * @since 0.1.0
 */
import type * as Fault from "../Fault.ts"
import * as xml from "../internal/xml.ts"
import type * as Trust from "../Trust.ts"
import type * as Dialect from "./Dialect.ts"
import * as read from "./internal/read.ts"

type Mutable = { -readonly [K in keyof Trust.Received]: Trust.Received[K] }

const throttling = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottledException",
  "TooManyRequestsException",
  "ProvisionedThroughputExceededException",
  "TransactionInProgressException",
  "RequestLimitExceeded",
  "BandwidthLimitExceeded",
  "LimitExceededException",
  "RequestThrottled",
  "SlowDown",
  "PriorRequestNotComplete",
  "EC2ThrottledException"
])
const transient = new Set([
  "RequestTimeout",
  "RequestTimeoutException",
  "InternalError",
  "ServiceUnavailable",
  "InternalFailure"
])
const credentials = new Set([
  "ExpiredToken",
  "ExpiredTokenException",
  "RequestExpired",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "AuthFailure",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "MissingAuthenticationToken"
])

/**
 * The behaviour AWS documents for a code, when it says one (throttling, transient, credentials).
 *
 * @example
 * ```ts
 * import { Aws } from "effect-faults/http"
 *
 * console.log(Aws.expectedOf("ThrottlingException")) // "RetryLater"
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const expectedOf = (code: string): Fault.Expected | undefined =>
  throttling.has(code)
    ? "RetryLater"
    : transient.has(code)
    ? "RetryNow"
    : credentials.has(code)
    ? "Reauthenticate"
    : undefined

/**
 * The bare code of an AWS JSON error type: `aws.dynamodb#ResourceNotFoundException` and
 * `ValidationException:http://internal.amazon.com/…` both name their code after the separators.
 *
 * @example
 * ```ts
 * import { Aws } from "effect-faults/http"
 *
 * console.log(Aws.bareCode("com.amazonaws.dynamodb.v20120810#ResourceNotFoundException")) // "ResourceNotFoundException"
 * console.log(Aws.bareCode("ValidationException:http://internal.amazon.com/coral/")) // "ValidationException"
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const bareCode = (type: string): string => {
  const colon = type.indexOf(":")
  const head = colon === -1 ? type : type.slice(0, colon)
  const hash = head.lastIndexOf("#")
  return (hash === -1 ? head : head.slice(hash + 1)).trim()
}

const requestIdOf = (headers: Readonly<Record<string, unknown>>): string | undefined =>
  read.header(headers, "x-amzn-requestid") ?? read.header(headers, "x-amz-request-id") ??
    read.header(headers, "x-amzn-request-id")

const finish = (received: Mutable, code: string): Trust.Received => {
  const expected = expectedOf(code)
  if (expected !== undefined) received.expected = expected
  return received
}

/**
 * Reads an AWS XML error document (EC2, S3 or Query style), or `undefined`.
 *
 * @example
 * ```ts
 * import { Aws } from "effect-faults/http"
 *
 * const r = Aws.decodeXml("<Error><Code>NoSuchKey</Code><Message>The key does not exist</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>", 404, {})
 * console.log(r?.code, r?.correlationId) // "NoSuchKey" "4442587FB7D0A2F9"
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const decodeXml = (
  body: string,
  status: number,
  headers: Readonly<Record<string, unknown>>
): Trust.Received | undefined => {
  const error = xml.element(body, "Error")
  if (error === undefined) return undefined
  const code = xml.text(error.raw, "Code")
  if (code === undefined || code.length === 0 || code.length > 256) return undefined
  const received: Mutable = { code, status }
  const message = xml.text(error.raw, "Message")
  if (message !== undefined && message.length > 0) received.message = message
  const type = xml.text(error.raw, "Type")
  const resource = xml.text(error.raw, "Resource") ?? xml.text(error.raw, "Key") ??
    xml.text(error.raw, "BucketName")
  const fields: Record<string, unknown> = {}
  if (type === "Sender" || type === "Receiver") fields.type = type
  if (resource !== undefined) fields.resource = resource
  if (Object.keys(fields).length > 0) received.fields = fields
  // S3: inside <Error>; Query: after it in <ErrorResponse>; EC2: <RequestID> after <Errors>
  const requestId = xml.text(error.raw, "RequestId") ?? xml.text(body, "RequestId", { from: error.end }) ??
    xml.text(body, "RequestID") ?? requestIdOf(headers)
  if (requestId !== undefined && requestId.length > 0) received.correlationId = requestId
  return finish(received, code)
}

/**
 * Reads an AWS JSON protocol error (`__type` / `code` in the body, or the `x-amzn-ErrorType`
 * header), or `undefined`.
 *
 * @example
 * ```ts
 * import { Aws } from "effect-faults/http"
 *
 * const r = Aws.decodeJson({ __type: "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", message: "Requested resource not found" }, 400, {})
 * console.log(r?.code) // "ResourceNotFoundException"
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const decodeJson = (
  body: unknown,
  status: number,
  headers: Readonly<Record<string, unknown>>
): Trust.Received | undefined => {
  const header = read.header(headers, "x-amzn-errortype")
  const record = read.isRecord(body) ? body : undefined
  const type = read.str(record?.__type) ?? header ??
    (record !== undefined && read.str(record.message ?? record.Message) !== undefined
      ? read.str(record.code ?? record.Code)
      : undefined)
  if (type === undefined) return undefined
  const code = bareCode(type)
  if (code.length === 0 || code.length > 256) return undefined
  const received: Mutable = { code, status }
  const message = read.str(record?.message) ?? read.str(record?.Message) ?? read.str(record?.errorMessage)
  if (message !== undefined) received.message = message
  const requestId = requestIdOf(headers)
  if (requestId !== undefined) received.correlationId = requestId
  return finish(received, code)
}

/**
 * The AWS dialect: decode only (a server answers in the `ec2` dialect when it wants AWS-style XML).
 *
 * @example
 * ```ts
 * import { Aws } from "effect-faults/http"
 *
 * const r = Aws.dialect.decode({
 *   status: 400,
 *   headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": "r-1" },
 *   body: JSON.stringify({ __type: "ThrottlingException", message: "Rate exceeded" }),
 *   truncated: false
 * })
 * console.log(r?.code, r?.expected, r?.correlationId) // "ThrottlingException" "RetryLater" "r-1"
 * ```
 *
 * @category dialects
 * @since 0.1.0
 */
export const dialect: Dialect.Dialect = {
  name: "aws",
  contentType: "application/x-amz-json-1.1",
  accepts: (media) => media.startsWith("application/x-amz-json") || media === "application/xml" || media === "text/xml",
  decode: (incoming) => {
    try {
      const media = read.mediaType(read.header(incoming.headers, "content-type"))
      const body = incoming.body
      if (read.isXmlMedia(media) || (media !== "" && !read.isJsonMedia(media) && body.trimStart().startsWith("<"))) {
        return decodeXml(body, incoming.status, incoming.headers)
      }
      if (media === "" && body.trimStart().startsWith("<")) return decodeXml(body, incoming.status, incoming.headers)
      return decodeJson(read.bodyJson(incoming), incoming.status, incoming.headers)
    } catch {
      return undefined
    }
  }
}

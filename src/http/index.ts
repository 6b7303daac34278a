/**
 * effect-faults/http: faults on HTTP — dialects, server middleware, OpenAPI, and the client.
 *
 * @since 0.1.0
 */

/**
 * How a fault looks in an HTTP body: the dialect interface.
 *
 * @since 0.1.0
 */
export * as Dialect from "./Dialect.ts"

/**
 * The RFC 9457 `application/problem+json` dialect, built on Effect's `ProblemDetails`.
 *
 * @since 0.1.0
 */
export * as Problem from "./Problem.ts"

/**
 * The OAS guide's `{ "code": <status>, "message": "<fixed message>" }` dialect.
 *
 * @since 0.1.0
 */
export * as CodeMessage from "./CodeMessage.ts"

/**
 * The EC2 XML error dialect (`Response/Errors/Error/Code, Message`, `RequestID`).
 *
 * @since 0.1.0
 */
export * as Ec2 from "./Ec2.ts"

/**
 * Chooses the dialect of an error response by app preference and `Accept`.
 *
 * @since 0.1.0
 */
export * as Negotiate from "./Negotiate.ts"

/**
 * The server middleware: correlation, exec-time, faults encoded in the negotiated dialect.
 *
 * @since 0.1.0
 */
export * as Middleware from "./Middleware.ts"

/**
 * Faults as HttpApi endpoint errors, rendered, documented and decoded by HttpApi itself.
 *
 * @since 0.1.0
 */
export * as HttpApi from "./HttpApi.ts"

/**
 * OpenAPI `components.responses` from a catalog, as the OAS error-message guide asks.
 *
 * @since 0.1.0
 */
export * as OpenApi from "./OpenApi.ts"

/**
 * The client: an `HttpClient` whose calls fail only with faults (transport, status, body), with
 * correlation, trust modes, `Retry-After` and bounded error bodies.
 *
 * @since 0.1.0
 */
export * as Client from "./Client.ts"

/**
 * Reads AWS errors: EC2 / S3 / Query XML, and the JSON protocols' `__type` and `x-amzn-ErrorType`.
 *
 * @since 0.1.0
 */
export * as Aws from "./Aws.ts"

/**
 * Reads Google-style errors: `error.status`, `error.details` (ErrorInfo, RetryInfo, BadRequest).
 *
 * @since 0.1.0
 */
export * as Google from "./Google.ts"

/**
 * Reads HTML error pages from proxies into a received failure with the status and an excerpt.
 *
 * @since 0.1.0
 */
export * as Html from "./Html.ts"

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

/**
 * effect-faults/rpc/grpc: faults on gRPC. A separate entry point because it loads `@grpc/grpc-js`
 * (an optional peer dependency) that users of Effect RPC or JSON-RPC alone do not need.
 *
 * @since 0.1.0
 */

/**
 * Faults on gRPC: fault ↔ status code and `google.rpc.Status` details, a grpc-js handler wrapper
 * and a unary call that fails only with faults.
 *
 * @since 0.1.0
 */
export * as Grpc from "../Grpc.ts"

/** The port lk-jwt-service listens on inside its container. */
export const LK_JWT_CONTAINER_PORT = 8080;

/** Port the Ketesa image serves on, and where it reads its config (ketesa v1.4.0 Dockerfile and README). */
export const KETESA_CONTAINER = { port: 8080, config: "/var/public/config.json" } as const;

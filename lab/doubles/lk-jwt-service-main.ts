/**
 * The standalone lk-jwt-service double: `node lk-jwt-service.js` (bundled) or `node --import tsx
 * lab/doubles/lk-jwt-service-main.ts`, configured by lk-jwt-service's own environment variables. A refused
 * configuration exits 1 with upstream's message, as its `log.Fatal` does.
 */
import { LkJwtStartupError, configFromEnv, startLkJwtDouble } from "./lk-jwt-service";

async function main(): Promise<void> {
  const running = await startLkJwtDouble(configFromEnv(process.env));
  const stop = () => void running.close().then(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((error: Error) => {
  process.stderr.write(
    `${error instanceof LkJwtStartupError ? "" : "lk-jwt-service double: "}${error.message}\n`,
  );
  process.exit(1);
});

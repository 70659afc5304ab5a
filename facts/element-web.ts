/** Port the Element Web image's nginx listens on, and where it reads its config. */
export const ELEMENT_WEB_CONTAINER = { port: 80, config: "/app/config.json" } as const;

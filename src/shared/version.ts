import pkg from "../../package.json" with { type: "json" };

/** The version compiled into every binary. */
export const VERSION: string = pkg.version;

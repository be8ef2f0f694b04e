import { renderDefaultConfig } from "../config/index.ts";

/**
 * /etc/octo/config.toml for a system install: the commented default, switched to multi-user
 * (every platform user gets a Linux account and a runner). Written only when absent.
 */
export function systemConfig(linuxUserPrefix: string): string {
  const text = renderDefaultConfig()
    .replace(/^single_user = true(\s)/m, "single_user = false$1")
    .replace(/(\[local\.linux_users\]\n)enabled = false/, "$1enabled = true")
    .replace(/^prefix = "octo_"/m, `prefix = "${linuxUserPrefix}"`);
  return `# Written by \`octo install\` (system service, multi-user). Kept by \`octo uninstall\` unless --purge.\n${text}`;
}

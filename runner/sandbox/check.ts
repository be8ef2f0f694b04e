export async function runCheck(_opts: { json: boolean }): Promise<number> {
  return 1;
}

/**
 * A project's name becomes a folder in the user's workspace: keep it to a safe, portable subset.
 * The server decides; this check only spares a round trip.
 */
export function validateProjectName(name: string): string | null {
  if (name.length === 0) return "Give the project a name.";
  if (name.length > 64) return "At most 64 characters.";
  if (name === "." || name === "..") return "That name is reserved.";
  if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/.test(name)) {
    return "Use letters, digits, spaces, dots, _ or -, starting with a letter or digit.";
  }
  return null;
}

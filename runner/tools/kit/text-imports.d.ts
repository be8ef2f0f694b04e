/** Files imported `with { type: "text" }` (embedded into the compiled binary). */
declare module "*.md" {
  const text: string;
  export default text;
}

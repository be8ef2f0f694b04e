/** Files imported `with { type: "text" }` (embedded into the compiled binary). */
declare module "*.pl" {
  const text: string;
  export default text;
}

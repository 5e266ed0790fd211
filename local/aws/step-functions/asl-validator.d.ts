// asl-validator 4 ships JavaScript without type declarations; this is the part of its API the local runtime uses.
declare module 'asl-validator' {
  interface AslValidationError {
    readonly 'Error code': string;
    readonly Message: string;
  }
  interface AslValidationResult {
    readonly isValid: boolean;
    readonly errors: readonly AslValidationError[];
    errorsText(separator?: string): string;
  }
  /** Validates an Amazon States Language definition. It mutates `definition` (adds QueryLanguage to each state). */
  function validator(definition: unknown, options?: { checkPaths?: boolean; checkArn?: boolean }): AslValidationResult;
  export = validator;
}

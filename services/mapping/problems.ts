import type { EvalNote } from './evaluator';

/**
 * Something a mapping could not do for one person. Problems never carry person data, so they
 * can be logged and put in workflow history as they are.
 */
export interface MappingProblem {
  appId: string;
  attribute: string;
  code: 'lookup-miss' | 'ascii-unrepresentable' | 'unique-no-candidate' | 'unique-exhausted';
  message: string;
  /** 1-based column of the responsible call in `expression`, where one is known. */
  column?: number;
  expression?: string;
}

export interface NoteProblemsRequest {
  appId: string;
  attribute: string;
  expression: string;
  notes: readonly EvalNote[];
}

/** Turns the notes of an evaluation that ended in `null` into problems (one per distinct note). */
export function problemsFromNotes(request: NoteProblemsRequest): MappingProblem[] {
  const seen = new Set<string>();
  const problems: MappingProblem[] = [];
  for (const note of request.notes) {
    const key = `${note.code}@${note.position}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({
      appId: request.appId,
      attribute: request.attribute,
      code: note.code,
      message: note.message,
      column: note.position + 1,
      expression: request.expression,
    });
  }
  return problems;
}

/**
 * The quiz on the command line (npm run quiz -- …):
 *   list                               the quizzes
 *   show <id>                          a quiz's questions and an answer-file template
 *   check <id> <answers.json> [--json] [--reveal]
 *                                      grade an answer file; exit 0 all right, 1 some wrong, 2 unusable input
 *                                      (3 only for an unexpected failure, such as an unwritable progress file);
 *                                      --reveal adds the right answers, and such an attempt is not recorded
 *   report                             best and latest score per quiz, and what the latest attempt got wrong
 * A relative answers path is read from the folder the command was typed in (npm's INIT_CWD), not the project root.
 * Progress goes to .course-progress.json at the project root, or to $AE_PROGRESS_FILE.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { renderReportText } from "../lib/tasks/report";
import {
  answersTemplate,
  AnswersFormatError,
  assertAnswersObject,
  gradeQuiz,
  listQuizIds,
  loadQuiz,
  progressFilePath,
  QuizNotFoundError,
  QuizSchemaError,
  readProgress,
  recordAttempt,
  renderProgressText,
  renderQuizText,
  summarizeProgress,
  type Quiz,
} from "../lib/quiz/index";

const USAGE = `usage: npm run quiz -- <command>
  list                                   list the quizzes
  show <id>                              show a quiz's questions and an answer-file template
  check <id> <answers.json> [--json] [--reveal]
                                         grade answers (exit 0 all right, 1 some wrong, 2 unusable input);
                                         --json prints JSON, --reveal adds the right answers (not recorded)
  report                                 best and latest score per quiz, and what the latest attempt got wrong
`;

/** Input the CLI cannot work with; exits with code 2 and this one-line message. */
class UsageError extends Error {}

/** An answers path as the learner typed it, made absolute against the folder they typed it in (npm runs scripts at the project root and says where the command was typed in INIT_CWD). */
function resolveAnswersPath(file: string): string {
  const typedIn = process.env.INIT_CWD?.trim() ? process.env.INIT_CWD : process.cwd();
  return path.resolve(typedIn, file);
}

function readAnswersFile(file: string): unknown {
  if (!fs.existsSync(file)) throw new UsageError(`answers file ${file} does not exist`);
  // Windows editors may start a UTF-8 file with an invisible byte-order mark, which JSON.parse refuses.
  const text = fs.readFileSync(file, "utf8").replace(/^\uFEFF/, "");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`answers file ${file} is not valid JSON: ${(error as Error).message}`);
  }
}

function check(args: string[]): number {
  const flags = args.filter((arg) => arg.startsWith("--"));
  const positional = args.filter((arg) => !arg.startsWith("--"));
  const unknownFlag = flags.find((flag) => flag !== "--json" && flag !== "--reveal");
  if (unknownFlag) throw new UsageError(`unknown option ${unknownFlag}; check takes --json and --reveal`);
  if (positional.length !== 2) throw new UsageError("check needs a quiz id and an answers file: check <id> <answers.json>");
  const [id, typedPath] = positional;
  const file = resolveAnswersPath(typedPath);
  const quiz = loadQuiz(id);
  const answers = readAnswersFile(file);
  assertAnswersObject(answers);
  const questionIds = quiz.questions.map((question) => question.id);
  const givenIds = Object.keys(answers);
  if (givenIds.length > 0 && !givenIds.some((given) => questionIds.includes(given))) {
    throw new UsageError(
      `none of the ids in ${file} (${givenIds.slice(0, 3).join(", ")}${givenIds.length > 3 ? ", …" : ""}) is a question of ${id} (${questionIds.join(", ")}); is it the answers file for another quiz?`,
    );
  }
  const report = gradeQuiz(quiz, answers, { reveal: flags.includes("--reveal") });
  const { notRecorded, warning } = recordAttempt(report, progressFilePath());
  if (notRecorded) report.notes.push(notRecorded);
  if (warning) process.stderr.write(`warning: ${warning}\n`);
  process.stdout.write(flags.includes("--json") ? JSON.stringify(report, null, 2) + "\n" : renderReportText(report));
  return report.allRight ? 0 : 1;
}

/** A quiz's questions followed by an answer-file template and the command that checks it. */
function quizWithAnswerFile(quiz: Quiz): string {
  return [
    renderQuizText(quiz),
    `Answer file: save this as JSON, fill in your answers, then run: npm run quiz -- check ${quiz.id} <file>`,
    answersTemplate(quiz, "json"),
  ].join("\n");
}

function report(): number {
  const quizzes = listQuizIds().map((id) => loadQuiz(id));
  const { data, warning } = readProgress(progressFilePath());
  if (warning) process.stderr.write(`warning: ${warning}\n`);
  process.stdout.write(renderProgressText(summarizeProgress(data, quizzes)));
  return 0;
}

function expectArgs(command: string, args: string[], count: number, shape: string): void {
  if (args.length !== count) throw new UsageError(`${command} takes ${shape}`);
}

/** Runs one CLI command and returns the exit code. */
function main(argv: string[]): number {
  const [command, ...args] = argv;
  switch (command) {
    case "list":
      expectArgs(command, args, 0, "no arguments");
      for (const id of listQuizIds()) process.stdout.write(`${id.padEnd(20)} ${loadQuiz(id).title}\n`);
      return 0;
    case "show":
      expectArgs(command, args, 1, "one quiz id: show <id>");
      process.stdout.write(quizWithAnswerFile(loadQuiz(args[0])));
      return 0;
    case "check":
      return check(args);
    case "report":
      expectArgs(command, args, 0, "no arguments");
      return report();
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
      return 0;
    case undefined:
      process.stderr.write(USAGE);
      return 2;
    default:
      throw new UsageError(`unknown command "${command}"; use list, show, check or report`);
  }
}

/** Reports an error on stderr (and, for --json, as {"error": …} on stdout, so scripts still read JSON) and returns the exit code. */
function exitCodeFor(error: unknown, json: boolean): number {
  const message = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, " ");
  const unusableInput = [UsageError, QuizNotFoundError, AnswersFormatError, QuizSchemaError].some((kind) => error instanceof kind);
  const code = unusableInput ? 2 : 3;
  process.stderr.write(unusableInput ? `quiz: ${message}\n` : `quiz: unexpected error (please report it): ${message}\n`);
  if (json) process.stdout.write(JSON.stringify({ error: message, exitCode: code }) + "\n");
  return code;
}

// Piping into `head` closes stdout early; that is not an error worth a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

let exitCode: number;
try {
  exitCode = main(process.argv.slice(2));
} catch (error) {
  exitCode = exitCodeFor(error, process.argv.includes("--json"));
}
process.exitCode = exitCode;

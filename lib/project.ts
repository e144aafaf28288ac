/** Where the course's folder is: the root that holds package.json, notebooks/, quizzes/ and the data/ cache. */
import * as fs from "node:fs";
import * as path from "node:path";

/** The name in the course's top-level package.json, which marks the project root. */
export const PROJECT_PACKAGE_NAME = "autoencoder-course-notebooks";

function isProjectRoot(dir: string): boolean {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).name === PROJECT_PACKAGE_NAME;
  } catch {
    return false;
  }
}

function searchUpwards(start: string): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (isProjectRoot(dir)) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * The course's root folder: the nearest folder at or above `start`, or by default above this module (lib/ under
 * tsx, lib/dist/ when compiled, reached through the node_modules link) and then above the working folder;
 * undefined outside the course.
 */
export function findProjectRoot(start?: string): string | undefined {
  if (start !== undefined) return searchUpwards(start);
  return searchUpwards(fs.realpathSync(__dirname)) ?? searchUpwards(process.cwd());
}

/** The course's root folder; throws a clear error when run outside it. */
export function projectRoot(): string {
  const root = findProjectRoot();
  if (root === undefined) {
    throw new Error(
      `Cannot find the course folder (a package.json named "${PROJECT_PACKAGE_NAME}") above ${__dirname} or ` +
        `${process.cwd()}; run from inside the course folder.`,
    );
  }
  return root;
}

// A board file's JSON reader: the shared reader (src/json-file) throwing BoardFileError, so every refusal of a board
// file names the file, the JSON path, what was expected and what was found.
import { JsonFileReader } from "../../../json-file/json-reader.ts";
import { BoardFileError } from "../board-errors.ts";

export { at, hexText, isObj, shownValue, type Obj } from "../../../json-file/json-reader.ts";

/** Reads typed values from one board file; every method throws BoardFileError naming `path`. */
export class JsonReader extends JsonFileReader {
  constructor(file: string) {
    super(file, (f, where, expected, found) => new BoardFileError(f, where, expected, found));
  }
}

// KaTeX and its stylesheet: a chunk of their own (see math.ts).
import katex from "katex";
import "katex/dist/katex.min.css";

export default katex;

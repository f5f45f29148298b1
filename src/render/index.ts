// src/render is owned by the render helper; analysis code should call these renderers, not write its own.
//
// Pure, DOM-free picture functions: each takes library data (a Plan, an OverlapSummary, a receptive field,
// an artifact image) and returns an SVG string or a PNG buffer. The CLI (`tconv render`) and the web explorer
// both use them, so a picture means the same thing everywhere.
export {};

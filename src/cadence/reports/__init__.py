"""Reports rendered from the same data as the pages: HTML, PDF, Markdown, CSV."""

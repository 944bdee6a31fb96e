"""HTTP concerns shared by the API and the pages: who is asking, CSRF, and how errors are answered."""

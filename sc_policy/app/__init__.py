"""Layer 5, application: the workspace (one pipeline that opens each version once), the cache, authoring versions on disk, deciding caseloads."""

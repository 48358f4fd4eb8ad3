"""Edge AI Tier Workbench: model, validate and advise on AI systems across five tiers."""

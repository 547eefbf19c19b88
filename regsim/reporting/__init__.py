"""Reading results: analysis tables, terminal summaries, figures and the HTML report (never the model)."""

"""``regsim explore``: a local web app where policy staff move the levers and watch the country respond."""

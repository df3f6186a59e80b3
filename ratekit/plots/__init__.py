"""Charts. Each function takes tidy data, draws on ``ax`` (a new one if None) and returns the Axes.

Chart functions never call ``plt.show()`` and never save files: the caller decides.
``rates`` draws the rate benchmark; ``leverage`` the chronic-cost and ER-savings model;
``market`` the practice's rates in its payers' published markets.
"""

from . import leverage, market, rates

__all__ = ["leverage", "market", "rates"]

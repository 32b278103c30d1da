"""A simulated Greenery shop that produces the seven raw tables day by day.

Built-in signal for "what predicts a repeat purchase": every user has a hidden
loyalty in [0, 1), fixed by (seed, user_id) and never stored. Loyal users come
back more often (return visits are drawn with weight exp(3 * (loyalty - 0.5)),
about 20 times more from the most to the least loyal), are more likely to use a
promo on their first order (10% rising to 60%), and are more often shipped by a
fast carrier, ups or fedex (20% rising to 80%); so a first-order promo and fast
shipping predict repeat purchases through loyalty, not by causing them.
"""

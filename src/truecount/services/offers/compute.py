"""The domain's offer rules fed in bulk: every (channel, variant) asked for, each distinct case once.

Channels that see the same stock (the same feeding locations and bins, the same inventory types,
the same "always in stock" figure) offer a variant the same quantity unless their rules for it (or
for a bundle's components) differ. So the rules are evaluated once per such view and set of rules,
however many channels share it: four identical marketplaces cost one evaluation per variant, and
a bundle's component is evaluated once per view for all the bundles containing it. The figure and
its explanation are :func:`truecount.domain.offers.offer`'s, unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from truecount.domain.listing_steps import Step, locations_of
from truecount.domain.offers import ComponentOffer, Offer, PoolLine, Rule, VariantFacts, offer
from truecount.domain.pricing import Priced, PriceRule, price
from truecount.services.offers.facts import Facts

Key = tuple[int, int]  # (channel id, variant id)


@dataclass(frozen=True)
class ListingTerms:
    """What a listing adds to its variant's offer: its own quantity steps (None: the channel's rule for
    the variant), the units one sale takes, and its price rule with the variant's unit cost."""

    steps: tuple[Step, ...] | None = None
    units_per_sale: int = 1
    price_rule: PriceRule | None = None
    cost: Decimal | None = None

    @property
    def quantity_terms(self) -> ListingTerms:
        """The terms the offered quantity depends on (the price does not change it)."""
        return ListingTerms(self.steps, self.units_per_sale)


PLAIN = ListingTerms()


class Feeds(Protocol):
    """What the rules need of a channel (a :class:`~truecount.services.channels.Channel` is one)."""

    @property
    def id(self) -> int: ...
    @property
    def location_ids(self) -> list[int]: ...
    @property
    def inventory_type_ids(self) -> list[int]: ...
    @property
    def always_in_stock(self) -> int: ...


class View:
    """The offers of variants to every channel that sees stock this way (memoised by variant and rules)."""

    def __init__(self, facts: Facts, feed: frozenset[int], types: frozenset[int], always_in_stock: int, day: date):
        self.facts, self.feed, self.types, self.always_in_stock, self.day = facts, feed, types, always_in_stock, day
        self._memo: dict[object, Offer] = {}

    def lines_at(self, vid: int, where: set[int] | frozenset[int]) -> list[PoolLine]:
        facts = self.facts
        return [
            PoolLine(
                facts.tree.codes[lv.location_id],
                facts.type_codes.get(lv.inventory_type_id, "?"),
                lv.on_hand,
                lv.booked,
                lv.expired,
            )
            for lv in facts.levels.get(vid, ())
            if lv.location_id in where and lv.inventory_type_id in self.types
        ]

    def offer(self, vid: int, rules: dict[int, Rule], listing: ListingTerms = PLAIN) -> Offer:
        """The offer of ``vid`` on a channel of this view whose rules are ``rules`` (by variant id), to a
        listing with these terms (its own steps, units per sale)."""
        if not rules and listing is PLAIN:  # the common case, asked again by every alike channel
            memoised = self._memo.get(vid)
            if memoised is not None:
                return memoised
        facts = self.facts
        v = facts.variants[vid]
        parts = facts.components.get(vid, ()) if v.is_bundle else ()
        memo_key: object = vid  # a channel with no rule on these variants: the variant says it all
        if rules:
            memo_key = (vid, rules.get(vid), *(rules.get(cid) for cid, _ in parts))
        if listing is not PLAIN:
            listing = listing.quantity_terms
            if listing != PLAIN:
                memo_key = (memo_key, listing)
        found = self._memo.get(memo_key)
        if found is not None:
            return found
        rule = rules.get(vid)
        components = None
        if v.is_bundle:
            components = [ComponentOffer(facts.variants[cid].sku, qty, self.offer(cid, rules)) for cid, qty in parts]
        named = None
        if rule is not None and rule.location is not None:
            named = self.lines_at(vid, facts.tree.feeding([facts.tree.by_code[rule.location]]))
        step_lines = None
        if listing.steps:
            known = facts.tree.by_code
            step_lines = {
                loc: self.lines_at(vid, facts.tree.feeding([known[loc]]) if loc in known else set())
                for loc in locations_of(listing.steps)
            }
        flags = VariantFacts(v.tracked, v.discontinued, v.sellable_from, facts.booked_open.get(vid, 0), v.for_sale)
        found = offer(
            self.lines_at(vid, self.feed),
            rule,
            flags,
            today=self.day,
            always_in_stock=self.always_in_stock,
            components=components,
            location_lines=named,
            steps=listing.steps,
            step_lines=step_lines,
            units_per_sale=listing.units_per_sale,
        )
        self._memo[memo_key] = found
        return found


class Offers:
    """Offers for many channels over one set of facts, each distinct case evaluated once."""

    def __init__(self, facts: Facts, day: date) -> None:
        self.facts, self.day = facts, day
        self._views: dict[tuple[frozenset[int], frozenset[int], int], View] = {}
        self._explained: dict[int, str] = {}
        self._rules_of: dict[int, dict[int, Rule]] = {}
        for (ch, vid), rule in facts.rules.items():
            self._rules_of.setdefault(ch, {})[vid] = rule

    def view(self, channel: Feeds) -> View:
        feed = frozenset(self.facts.tree.feeding(channel.location_ids))
        key = (feed, frozenset(channel.inventory_type_ids), channel.always_in_stock)
        found = self._views.get(key)
        if found is None:
            found = self._views[key] = View(self.facts, *key, self.day)
        return found

    def of(self, channel: Feeds, variant_ids: Iterable[int]) -> dict[int, Offer]:
        view = self.view(channel)
        rules = self._rules_of.get(channel.id, {})
        return {vid: view.offer(vid, rules) for vid in variant_ids}

    def of_listing(self, channel: Feeds, vid: int, terms: ListingTerms) -> Offer:
        """The offer to one listing of ``vid`` on ``channel`` with these terms."""
        return self.view(channel).offer(vid, self._rules_of.get(channel.id, {}), terms)

    def explained(self, result: Offer) -> str:
        """The offer's explanation as stored (JSON), built once per distinct offer."""
        found = self._explained.get(id(result))
        if found is None:
            found = self._explained[id(result)] = _as_json(result.explain())
        return found

    @staticmethod
    def priced(result: Offer, terms: ListingTerms) -> tuple[Priced, str] | None:
        """A listing's price under its rule (None: it has none) and the explanation with the price in it."""
        if terms.price_rule is None:
            return None
        found = price(terms.price_rule, cost=terms.cost, offered=result.quantity, units_per_sale=terms.units_per_sale)
        return found, _as_json({**result.explain(), "price": found.explain(terms.price_rule)})


_as_json = json.JSONEncoder(default=str).encode  # json.dumps(…, default=str) without an encoder built per call


def compute(facts: Facts, channel: Feeds, variant_ids: Iterable[int], day: date) -> dict[int, Offer]:
    """The offer to ``channel`` of each variant (facts must hold them and their components)."""
    return Offers(facts, day).of(channel, variant_ids)

"""A naive agent: it knows nothing about BMS, only what the server shows it.

It picks a tool by the words of a request (matched against tool names, titles and
descriptions), fills arguments by matching the request's words to argument names and types,
and takes IDs from what earlier results returned: a field of the object it is working on
(`contactId` for `contact_id`), or the `id` of an object that came from the tool an argument's
description names. When the server refuses a call, it reads the message the way a model would:
it fills an argument reported as required from the same sources, or retries a name with the
first name the server suggests. It never knows an ID, a lookup table or a tool name in advance.
"""

import json
import re

TOOL_NAME = re.compile(r"\b(?:list_all|get_single|create_a|update_a|delete_a|[a-z]+)_kaseya_bms_[a-z0-9_]+")
REQUIRED = re.compile(r"^(?:- )?(\w+): is required", re.MULTILINE)
SUGGESTION = re.compile(r"no [\w ]+ is named \"([^\"]*)\"; did you mean \"([^\"]+)\"")


class AgentStuck(AssertionError):
    """The agent could not go on from what the tools told it."""


STOP_WORDS = {"a", "an", "the", "to", "of", "for", "on", "in", "and", "with", "its", "it"}


def words(text):
    return [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP_WORDS]


def camel(snake):
    head, *rest = snake.split("_")
    return head + "".join(part.capitalize() for part in rest)


def json_type_of(value):
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return "string"


class NaiveAgent:
    def __init__(self, client):
        self.client = client
        self.tools = []
        self.focus = {}  # the objects being worked on, by the word the request uses for them
        self.origin = {}  # id(object) -> the tool that returned it
        self.last = {}  # tool name -> its last object result
        self.transcript = []  # (tool, arguments, is_error, text) for failure messages

    async def start(self):
        cursor = None
        while True:
            page = await self.client.list_tools(cursor=cursor)
            self.tools += page.tools
            cursor = page.next_cursor
            if not cursor:
                return self

    # Choosing a tool -------------------------------------------------------------------------

    def pick(self, request):
        """The tool whose name, title and description best cover the request's words."""
        wanted = words(request)

        def score(tool):
            name, title, text = tool.name.lower(), (tool.title or "").lower(), (tool.description or "").lower()
            first_sentence = text.split(". ")[0]
            total = 0
            for word in wanted:
                if word in name:
                    total += 4
                if word in words(title):
                    total += 3
                if word in words(first_sentence):
                    total += 1
            # The most specific tool wins a tie: fewer words in its name beyond the request's.
            return (total, -len(words(name.replace("_", " "))))

        best = max(self.tools, key=score)
        if score(best)[0] == 0:
            raise AgentStuck(f"no tool matches {request!r}")
        return best

    # Filling arguments -----------------------------------------------------------------------

    def argument_for(self, tool, word, value):
        """The argument a request word names: its words all occur in the argument's name and the
        argument takes that kind of value; the shortest such name wins."""
        props = tool.input_schema.get("properties", {})
        wanted = words(word)
        kind = json_type_of(value)
        fits = [
            name for name, schema in props.items()
            if all(w in name.split("_") for w in wanted) and schema.get("type") == kind
        ]
        if not fits:
            raise AgentStuck(f"{tool.name} has no {kind} argument for {word!r}: {sorted(props)}")
        return min(fits, key=lambda name: len(name.split("_")))

    def recall(self, tool, arg):
        """A value for an ID argument from what the agent has seen, or None."""
        schema = tool.input_schema.get("properties", {}).get(arg, {})
        # 1. The description names the tool that yields it: the object from that tool.
        for named in TOOL_NAME.findall(schema.get("description", "")):
            for item in self.focus.values():
                if self.origin.get(id(item)) == named and "id" in item:
                    return item["id"]
            if isinstance(self.last.get(named), dict) and "id" in self.last[named]:
                return self.last[named]["id"]
        # 2. The object being worked on: its own id, or a field of the same name.
        if arg.endswith("_id"):
            noun = arg[: -len("_id")]
            if noun in self.focus:
                return self.focus[noun]["id"]
        for item in self.focus.values():
            if item.get(camel(arg)) is not None:
                return item[camel(arg)]
        return None

    def fill(self, tool, said):
        args = {self.argument_for(tool, word, value): value for word, value in said.items()}
        for arg in tool.input_schema.get("required", []):
            if arg not in args:
                value = self.recall(tool, arg)
                if value is None:
                    raise AgentStuck(f"{tool.name}: nothing tells the agent what {arg} is")
                args[arg] = value
        return args

    # Acting ----------------------------------------------------------------------------------

    async def call(self, tool, args, attempts=4):
        """Calls `tool`, reading refusals the way a model would; the final result."""
        for _ in range(attempts):
            result = await self.client.call_tool(tool.name, args)
            text = result.content[0].text if result.content else ""
            self.transcript.append((tool.name, dict(args), result.is_error, text))
            if not result.is_error:
                return result
            fixed = self.repair(tool, args, text)
            if fixed is None:
                return result
            args = fixed
        return result

    def repair(self, tool, args, text):
        """New arguments from an error message, or None if the message offers no way on."""
        fixed = dict(args)
        missing = [a for a in REQUIRED.findall(text) if a not in args]
        for arg in missing:
            value = self.recall(tool, arg)
            if value is not None:
                fixed[arg] = value
        for given, suggested in SUGGESTION.findall(text):
            for arg, value in args.items():
                if value == given:
                    fixed[arg] = suggested
        return fixed if fixed != args else None

    async def do(self, request, said=None):
        """Picks the tool for `request`, fills it from `said` and memory; the structured result.
        Raises AgentStuck when the server still refuses."""
        tool = self.pick(request)
        result = await self.call(tool, self.fill(tool, said or {}))
        if result.is_error:
            raise AgentStuck(f"{tool.name} refused: {self.transcript[-1]}")
        content = result.structured_content or {}
        self.last[tool.name] = content
        for item in content.get("items", []) if isinstance(content.get("items"), list) else []:
            self.origin[id(item)] = tool.name
        return tool, content

    async def try_do(self, request, said=None):
        """Like `do`, but a refusal is an answer (None), e.g. "no IT Glue contact"."""
        try:
            return (await self.do(request, said))[1]
        except AgentStuck:
            return None

    async def list_everything(self, request, said=None):
        """Every item of a paged list, following next_cursor as the descriptions say."""
        tool, page = await self.do(request, said)
        items = list(page.get("items", []))
        while page.get("next_cursor"):
            result = await self.call(tool, {"cursor": page["next_cursor"]})
            if result.is_error:
                raise AgentStuck(f"{tool.name} refused its own cursor: {self.transcript[-1]}")
            page = result.structured_content
            items += page.get("items", [])
        for item in items:
            self.origin[id(item)] = tool.name
        return items

    def work_on(self, noun, item):
        self.focus[noun] = item


def mentions(content, phrase):
    """Whether a result says `phrase` anywhere (case-insensitive)."""
    return phrase.lower() in json.dumps(content).lower()

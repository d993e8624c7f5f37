import click
@click.command('test')
def test():
    pass

